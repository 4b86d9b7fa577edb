#!/usr/bin/env bash
# SNS scenarios driven through Debian's aws CLI (the query protocol), pointed at Spillway with --endpoint-url; subscribed
# queues are read through its SQS commands and signatures checked with openssl, as a receiver without an SDK would.
#
#     scenarios.sh <scenario>
#
# Environment: SNS_ENDPOINT (http://127.0.0.1:PORT), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION;
# AWS_CLI names the aws executable (default /usr/bin/aws). Each scenario stops at the first failed check and prints one
# JSON line of what it observed.
set -euo pipefail

AWS_CLI="${AWS_CLI:-/usr/bin/aws}"
export AWS_PAGER=""
sns() { "$AWS_CLI" --endpoint-url "$SNS_ENDPOINT" --output json sns "$@"; }
sqs() { "$AWS_CLI" --endpoint-url "$SNS_ENDPOINT" --output json sqs "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
unique() { echo "$1-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
ACCOUNT=000000000000
ERRORS=()
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# expect_error CODE sns-arguments...: the call must fail with that code.
expect_error() {
  local expected=$1 output code
  shift
  if output=$(sns "$@" 2>&1); then fail "sns $1 succeeded but should have failed"; fi
  code=$(sed -n 's/.*An error occurred (\([^)]*\)).*/\1/p' <<<"$output" | head -n 1)
  [[ $code == "$expected" ]] || fail "sns $1: expected $expected, got '$code': $output"
  ERRORS+=("$code")
}

# queue NAME [fifo]: creates the queue and prints its URL and ARN on one line.
queue() {
  local url
  if [[ ${2:-} == fifo ]]; then
    url=$(sqs create-queue --queue-name "$1" --attributes FifoQueue=true | jq -r .QueueUrl)
  else
    url=$(sqs create-queue --queue-name "$1" | jq -r .QueueUrl)
  fi
  echo "$url $(sqs get-queue-attributes --queue-url "$url" --attribute-names QueueArn | jq -r .Attributes.QueueArn)"
}

# drain URL: every message of the queue as one JSON array. Each receive long-polls a moment: a publish is answered once
# the topic's journal holds it, and each queue shows it after its own fsync.
drain() {
  local all='[]' batch
  while true; do
    batch=$(sqs receive-message --queue-url "$1" --max-number-of-messages 10 --message-attribute-names All \
      --attribute-names All --visibility-timeout 600 --wait-time-seconds 1 | jq -c '.Messages // []')
    [[ -z $batch || $batch == '[]' ]] && break
    all=$(jq -c --argjson b "$batch" '. + $b' <<<"$all")
  done
  echo "$all"
}

# verify ENVELOPE: checks its signature with the certificate at its SigningCertURL, using openssl.
verify() {
  local envelope=$1 digest=sha1
  [[ $(jq -r .SignatureVersion <<<"$envelope") == 2 ]] && digest=sha256
  curl -sf "$(jq -r .SigningCertURL <<<"$envelope")" -o "$WORK/cert.pem"
  openssl x509 -in "$WORK/cert.pem" -pubkey -noout >"$WORK/key.pem"
  jq -j '. as $e | (if $e.Type == "Notification" then ["Message","MessageId","Subject","Timestamp","TopicArn","Type"]
      else ["Message","MessageId","SubscribeURL","Timestamp","Token","TopicArn","Type"] end)
    | map(select($e[.] != null) | "\(.)\n\($e[.])\n") | join("")' <<<"$envelope" >"$WORK/signed.txt"
  jq -r .Signature <<<"$envelope" | base64 -d >"$WORK/signature.bin"
  openssl dgst "-$digest" -verify "$WORK/key.pem" -signature "$WORK/signature.bin" "$WORK/signed.txt" >/dev/null || fail "signature: $envelope"
}

topics() {
  local name arn fifo attributes
  name=$(unique orders)
  arn=$(sns create-topic --name "$name" --attributes DisplayName=Orders --tags Key=team,Value=ops | jq -r .TopicArn)
  [[ $arn == "arn:aws:sns:us-east-1:$ACCOUNT:$name" ]] || fail "arn $arn"
  [[ $(sns create-topic --name "$name" --attributes DisplayName=Orders | jq -r .TopicArn) == "$arn" ]] || fail "idempotent create"
  expect_error InvalidParameter create-topic --name "$name" --attributes DisplayName=Other
  fifo=$(sns create-topic --name "$name.fifo" --attributes FifoTopic=true,ContentBasedDeduplication=true | jq -r .TopicArn)
  sns list-topics | jq -e --arg a "$arn" --arg f "$fifo" '[.Topics[].TopicArn] | index($a) and index($f)' >/dev/null || fail "list-topics"
  sns set-topic-attributes --topic-arn "$arn" --attribute-name SignatureVersion --attribute-value 2
  attributes=$(sns get-topic-attributes --topic-arn "$arn" | jq -c .Attributes)
  [[ $(jq -r '.DisplayName + "/" + .SignatureVersion + "/" + .Owner' <<<"$attributes") == "Orders/2/$ACCOUNT" ]] || fail "attributes $attributes"
  [[ $(sns get-topic-attributes --topic-arn "$fifo" | jq -r .Attributes.FifoTopic) == true ]] || fail "fifo attribute"
  expect_error InvalidParameter set-topic-attributes --topic-arn "$arn" --attribute-name NoSuchThing --attribute-value x
  sns tag-resource --resource-arn "$arn" --tags Key=env,Value=dev
  sns untag-resource --resource-arn "$arn" --tag-keys team
  [[ $(sns list-tags-for-resource --resource-arn "$arn" | jq -c '[.Tags[] | .Key + "=" + .Value]') == '["env=dev"]' ]] || fail "tags"
  sns delete-topic --topic-arn "$arn"
  sns delete-topic --topic-arn "$fifo"
  expect_error NotFound get-topic-attributes --topic-arn "$arn"
  OBSERVED=$(jq -n --arg a "$arn" '{arn: $a}')
}

subscriptions() {
  local topic url queue_arn by_arn pending attributes
  topic=$(sns create-topic --name "$(unique subs)" | jq -r .TopicArn)
  read -r url queue_arn < <(queue "$(unique q)")
  by_arn=$(sns subscribe --topic-arn "$topic" --protocol sqs --notification-endpoint "$queue_arn" \
    --attributes RawMessageDelivery=true | jq -r .SubscriptionArn)
  [[ $by_arn == "$topic:"* ]] || fail "subscription arn $by_arn"
  [[ $(sns subscribe --topic-arn "$topic" --protocol sqs --notification-endpoint "$url" --attributes RawMessageDelivery=true \
    | jq -r .SubscriptionArn) == "$by_arn" ]] || fail "by url"
  pending=$(sns subscribe --topic-arn "$topic" --protocol https --notification-endpoint https://127.0.0.1:9/hook | jq -r .SubscriptionArn)
  [[ $pending == "pending confirmation" ]] || fail "pending $pending"
  expect_error InvalidParameter confirm-subscription --topic-arn "$topic" --token not-a-token
  [[ $(sns list-subscriptions-by-topic --topic-arn "$topic" | jq -c '[.Subscriptions[].SubscriptionArn] | sort') \
    == "$(jq -nc --arg a "$by_arn" '[$a, "PendingConfirmation"] | sort')" ]] || fail "list by topic"
  sns list-subscriptions | jq -e --arg a "$by_arn" '[.Subscriptions[].SubscriptionArn] | index($a)' >/dev/null || fail "list"
  sns set-subscription-attributes --subscription-arn "$by_arn" --attribute-name FilterPolicy --attribute-value '{"kind":["retail"]}'
  attributes=$(sns get-subscription-attributes --subscription-arn "$by_arn" | jq -c .Attributes)
  [[ $(jq -r '.FilterPolicy + "/" + .RawMessageDelivery + "/" + .PendingConfirmation' <<<"$attributes") == '{"kind":["retail"]}/true/false' ]] \
    || fail "subscription attributes $attributes"
  sns unsubscribe --subscription-arn "$by_arn"
  expect_error NotFound get-subscription-attributes --subscription-arn "$by_arn"
  sns delete-topic --topic-arn "$topic"
  OBSERVED=$(jq -n --arg a "$by_arn" '{subscriptionArn: $a}')
}

fanout() {
  local topic env_url env_arn raw_url raw_arn two_url two_arn published id envelopes raw
  topic=$(sns create-topic --name "$(unique fanout)" --attributes SignatureVersion=2 | jq -r .TopicArn)
  read -r env_url env_arn < <(queue "$(unique env)")
  read -r raw_url raw_arn < <(queue "$(unique raw)")
  read -r two_url two_arn < <(queue "$(unique env2)")
  sns subscribe --topic-arn "$topic" --protocol sqs --notification-endpoint "$env_arn" >/dev/null
  sns subscribe --topic-arn "$topic" --protocol sqs --notification-endpoint "$raw_arn" --attributes RawMessageDelivery=true >/dev/null
  sns subscribe --topic-arn "$topic" --protocol sqs --notification-endpoint "$two_arn" >/dev/null
  published=$(sns publish --topic-arn "$topic" --message 'order 42 ✓' --subject 'New order' --message-attributes \
    '{"kind":{"DataType":"String","StringValue":"retail"},"price":{"DataType":"Number","StringValue":"12.5"},"blob":{"DataType":"Binary","BinaryValue":"AAH/"}}')
  id=$(jq -r .MessageId <<<"$published")
  envelopes=$(jq -nc --argjson a "$(drain "$env_url")" --argjson b "$(drain "$two_url")" '$a + $b | map(.Body | fromjson)')
  [[ $(jq length <<<"$envelopes") == 2 ]] || fail "envelopes $envelopes"
  jq -e --arg id "$id" --arg t "$topic" 'all(.Type == "Notification" and .MessageId == $id and .TopicArn == $t
    and .Subject == "New order" and .Message == "order 42 ✓" and .SignatureVersion == "2"
    and .MessageAttributes.price == {Type: "Number", Value: "12.5"} and .MessageAttributes.blob.Value == "AAH/")' <<<"$envelopes" >/dev/null \
    || fail "envelope fields $envelopes"
  verify "$(jq -c '.[0]' <<<"$envelopes")"
  verify "$(jq -c '.[1]' <<<"$envelopes")"
  raw=$(drain "$raw_url")
  jq -e 'length == 1 and .[0].Body == "order 42 ✓" and .[0].MessageAttributes.kind.StringValue == "retail"
    and .[0].MessageAttributes.blob.BinaryValue == "AAH/"' <<<"$raw" >/dev/null || fail "raw $raw"
  sns delete-topic --topic-arn "$topic"
  OBSERVED=$(jq -n --arg id "$id" '{messageId: $id, verified: true}')
}

fifo() {
  local topic urls=() url arn i group sequences=() duplicate bodies orders='[]'
  topic=$(sns create-topic --name "$(unique orders).fifo" --attributes FifoTopic=true | jq -r .TopicArn)
  for _ in 1 2 3; do
    read -r url arn < <(queue "$(unique q).fifo" fifo)
    sns subscribe --topic-arn "$topic" --protocol sqs --notification-endpoint "$arn" --attributes RawMessageDelivery=true >/dev/null
    urls+=("$url")
  done
  for i in 0 1 2 3 4 5; do
    group=a; (( i % 2 )) && group=b
    sequences+=("$(sns publish --topic-arn "$topic" --message "$group$i" --message-group-id "$group" --message-deduplication-id "d$i" | jq -r .SequenceNumber)")
  done
  duplicate=$(sns publish --topic-arn "$topic" --message "a0 again" --message-group-id a --message-deduplication-id d0 | jq -r .SequenceNumber)
  [[ $duplicate == "${sequences[0]}" ]] || fail "duplicate answered $duplicate, not ${sequences[0]}"
  for url in "${urls[@]}"; do
    bodies=$(drain "$url" | jq -c 'map(.Body)')
    [[ $(jq -c 'map(select(startswith("a")))' <<<"$bodies") == '["a0","a2","a4"]' ]] || fail "group a $bodies"
    [[ $(jq -c 'map(select(startswith("b")))' <<<"$bodies") == '["b1","b3","b5"]' ]] || fail "group b $bodies"
    orders=$(jq -c --argjson b "$bodies" '. + [$b]' <<<"$orders")
  done
  sns delete-topic --topic-arn "$topic"
  OBSERVED=$(jq -n --argjson o "$orders" '{orders: $o}')
}

batch() {
  local topic url arn answer entries
  topic=$(sns create-topic --name "$(unique batch)" | jq -r .TopicArn)
  read -r url arn < <(queue "$(unique raw)")
  sns subscribe --topic-arn "$topic" --protocol sqs --notification-endpoint "$arn" --attributes RawMessageDelivery=true >/dev/null
  answer=$(sns publish-batch --topic-arn "$topic" --publish-batch-request-entries \
    '[{"Id":"one","Message":"first"},{"Id":"bad","Message":"second","MessageAttributes":{"n":{"DataType":"Number","StringValue":"many"}}},{"Id":"three","Message":"third"}]')
  [[ $(jq -c '[.Successful[].Id]' <<<"$answer") == '["one","three"]' ]] || fail "successful $answer"
  [[ $(jq -c '[.Failed[] | .Id, .Code]' <<<"$answer") == '["bad","ParameterValueInvalid"]' ]] || fail "failed $answer"
  [[ $(drain "$url" | jq -c 'map(.Body) | sort') == '["first","third"]' ]] || fail "delivered"
  entries=$(jq -nc '[range(11) | {Id: "e\(.)", Message: "x"}]')
  expect_error TooManyEntriesInBatchRequest publish-batch --topic-arn "$topic" --publish-batch-request-entries "$entries"
  expect_error BatchEntryIdsNotDistinct publish-batch --topic-arn "$topic" --publish-batch-request-entries \
    '[{"Id":"same","Message":"x"},{"Id":"same","Message":"y"}]'
  sns delete-topic --topic-arn "$topic"
  OBSERVED=$(jq -c '{failed: [.Failed[].Code]}' <<<"$answer")
}

errors() {
  local topic
  topic=$(sns create-topic --name "$(unique errors)" | jq -r .TopicArn)
  expect_error NotFound publish --topic-arn "$topic-missing" --message x
  expect_error InvalidParameter set-topic-attributes --topic-arn "$topic" --attribute-name SignatureVersion --attribute-value 9
  head -c $((256 * 1024 + 1)) /dev/zero | tr '\0' x >"$WORK/long.txt"
  expect_error InvalidParameter publish --topic-arn "$topic" --message "file://$WORK/long.txt"
  expect_error ParameterValueInvalid publish --topic-arn "$topic" --message x --message-attributes '{"a":{"DataType":"Decimal","StringValue":"1"}}'
  sns delete-topic --topic-arn "$topic"
  OBSERVED='{}'
}

# received INDEX: the INDEX-th delivery the scenario's HTTP subscriber got (it waits for it), as {headers, body}.
received() { curl -sf "$RECEIVER_URL/received/$1" || fail "delivery $1 did not arrive"; }

handshake() {
  local topic delivery envelope arn published notification
  topic=$(sns create-topic --name "$(unique hooks)" | jq -r .TopicArn)
  [[ $(sns subscribe --topic-arn "$topic" --protocol http --notification-endpoint "$RECEIVER_URL/hook" | jq -r .SubscriptionArn) \
    == "pending confirmation" ]] || fail "subscribe"
  delivery=$(received 0)
  [[ $(jq -r '.headers["x-amz-sns-message-type"]' <<<"$delivery") == SubscriptionConfirmation ]] || fail "confirmation $delivery"
  envelope=$(jq -r .body <<<"$delivery")
  [[ $(jq -r '.Type + " " + .TopicArn' <<<"$envelope") == "SubscriptionConfirmation $topic" ]] || fail "confirmation $envelope"
  verify "$envelope"
  curl -sf "$(jq -r .SubscribeURL <<<"$envelope")" >/dev/null || fail "SubscribeURL"
  arn=$(sns list-subscriptions-by-topic --topic-arn "$topic" | jq -r '.Subscriptions[0].SubscriptionArn')
  [[ $arn == "$topic:"* ]] || fail "confirmed arn $arn"
  published=$(sns publish --topic-arn "$topic" --message "hello hooks" --subject greeting | jq -r .MessageId)
  delivery=$(received 1)
  notification=$(jq -r .body <<<"$delivery")
  [[ $(jq -r '.MessageId + " " + .Message' <<<"$notification") == "$published hello hooks" ]] || fail "notification $notification"
  [[ $(jq -r '.headers["x-amz-sns-subscription-arn"]' <<<"$delivery") == "$arn" ]] || fail "headers $delivery"
  verify "$notification"
  sns delete-topic --topic-arn "$topic"
  OBSERVED=$(jq -nc --arg a "$arn" --arg m "$published" '{subscriptionArn: $a, messageId: $m, verified: true}')
}

scenario=${1:?usage: scenarios.sh <scenario>}
"$scenario"
jq -c --argjson e "$(printf '%s\n' "${ERRORS[@]}" | jq -R . | jq -sc 'map(select(. != ""))')" '. + {errors: $e}' <<<"$OBSERVED"
echo "SCENARIO OK $scenario"
