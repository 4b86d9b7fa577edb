#!/usr/bin/env bash
# SQS scenarios driven through Debian's aws CLI 2.9 (the query protocol), pointed at Spillway with --endpoint-url.
#
#     scenarios.sh <scenario>
#
# Environment as for scenarios.py; AWS_CLI names the aws executable (default: Debian's /usr/bin/aws). Each scenario
# stops at the first failed check (set -e, fail) and prints one JSON line of what it observed.
set -euo pipefail

AWS_CLI="${AWS_CLI:-/usr/bin/aws}"
export AWS_PAGER=""
sqs() { "$AWS_CLI" --endpoint-url "$SQS_ENDPOINT" --output json sqs "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
unique() { echo "$1-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
md5() { printf '%s' "$1" | md5sum | cut -d' ' -f1; }
now() { date +%s.%N; }
# since T: seconds elapsed since the time T; at_least A B: A >= B. Fractions, without bc.
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.3f", a - b }'; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
# create PREFIX [ATTRIBUTES [SUFFIX]]: a new queue named PREFIX-<random>SUFFIX; prints its URL.
create() { sqs create-queue --queue-name "$(unique "$1")${3:-}" ${2:+--attributes "$2"} | jq -r .QueueUrl; }
approximate() {
  sqs get-queue-attributes --queue-url "$1" --attribute-names "${2:-ApproximateNumberOfMessages}" \
    | jq -r ".Attributes.${2:-ApproximateNumberOfMessages}"
}

# expect_error "CODE1 CODE2" aws-sqs-arguments...: the call must fail with one of the codes.
expect_error() {
  local expected=$1 output code
  shift
  if output=$(sqs "$@" 2>&1); then fail "sqs $1 succeeded but should have failed"; fi
  code=$(sed -n 's/.*An error occurred (\([^)]*\)).*/\1/p' <<<"$output" | head -n 1)
  [[ " $expected " == *" $code "* ]] || fail "sqs $1: expected one of $expected, got '$code': $output"
  ERRORS+=("$code")
}
ERRORS=()

seed() {
  # The seed's own step: aws sqs send-message --queue-url <submit queue url> --message-body '{"name":…,"email":…}'.
  local url body sent
  url=$(sqs get-queue-url --queue-name submit | jq -r .QueueUrl)
  body="{\"name\":\"$SEED_NAME\",\"email\":\"$SEED_NAME@example.com\"}"
  sent=$(sqs send-message --queue-url "$url" --message-body "$body")
  [[ $(jq -r .MD5OfMessageBody <<<"$sent") == "$(md5 "$body")" ]] || fail "MD5OfMessageBody: $sent"
  OBSERVED=$(jq -n --arg u "$url" --arg m "$(jq -r .MessageId <<<"$sent")" '{queueUrl: $u, messageId: $m}')
}

lifecycle() {
  local name url arn attributes
  name=$(unique life)
  url=$(sqs create-queue --queue-name "$name" --attributes VisibilityTimeout=45 | jq -r .QueueUrl)
  [[ $url == */$name ]] || fail "queue url $url"
  [[ $(sqs create-queue --queue-name "$name" --attributes VisibilityTimeout=45 | jq -r .QueueUrl) == "$url" ]] || fail "not idempotent"
  expect_error "QueueAlreadyExists" create-queue --queue-name "$name" --attributes VisibilityTimeout=46
  [[ $(sqs get-queue-url --queue-name "$name" | jq -r .QueueUrl) == "$url" ]] || fail "get-queue-url"
  sqs list-queues --queue-name-prefix "$name" | jq -e --arg u "$url" '.QueueUrls | index($u)' >/dev/null || fail "list-queues"
  attributes=$(sqs get-queue-attributes --queue-url "$url" --attribute-names All)
  [[ $(jq -r .Attributes.VisibilityTimeout <<<"$attributes") == 45 ]] || fail "attributes: $attributes"
  arn=$(jq -r .Attributes.QueueArn <<<"$attributes")
  [[ $arn == arn:aws:sqs:*:$name ]] || fail "arn $arn"
  sqs set-queue-attributes --queue-url "$url" --attributes VisibilityTimeout=10,DelaySeconds=3
  [[ $(approximate "$url" VisibilityTimeout) == 10 && $(approximate "$url" DelaySeconds) == 3 ]] || fail "set-queue-attributes"
  sqs delete-queue --queue-url "$url"
  expect_error "AWS.SimpleQueueService.NonExistentQueue" get-queue-url --queue-name "$name"
  OBSERVED=$(jq -n --arg u "$url" --arg a "$arn" '{queueUrl: $u, arn: $a}')
}

messages() {
  local url sent received handle entries batch deletes
  url=$(create msg)
  sent=$(sqs send-message --queue-url "$url" --message-body hello)
  received=$(sqs receive-message --queue-url "$url" --wait-time-seconds 5)
  [[ $(jq -r '.Messages[0].Body' <<<"$received") == hello ]] || fail "receive: $received"
  [[ $(jq -r '.Messages[0].MessageId' <<<"$received") == $(jq -r .MessageId <<<"$sent") ]] || fail "message id"
  [[ $(jq -r '.Messages[0].MD5OfBody' <<<"$received") == "$(md5 hello)" ]] || fail "MD5OfBody"
  handle=$(jq -r '.Messages[0].ReceiptHandle' <<<"$received")
  sqs delete-message --queue-url "$url" --receipt-handle "$handle"

  entries=$(jq -nc '[range(10) | {Id: "m\(.)", MessageBody: "batch \(.)"}]')
  batch=$(sqs send-message-batch --queue-url "$url" --entries "$entries")
  [[ $(jq '.Successful | length' <<<"$batch") == 10 ]] || fail "send-message-batch: $batch"
  local bodies=() tries=0
  while (( ${#bodies[@]} < 10 && tries++ < 20 )); do
    received=$(sqs receive-message --queue-url "$url" --max-number-of-messages 10 --wait-time-seconds 2)
    [[ -z $received ]] && continue
    mapfile -t -O "${#bodies[@]}" bodies < <(jq -r '.Messages[].Body' <<<"$received")
    deletes=$(jq -c '[.Messages | to_entries[] | {Id: "d\(.key)", ReceiptHandle: .value.ReceiptHandle}]' <<<"$received")
    [[ $(sqs delete-message-batch --queue-url "$url" --entries "$deletes" | jq '.Successful | length') \
      == $(jq length <<<"$deletes") ]] || fail "delete-message-batch"
  done
  [[ $(printf '%s\n' "${bodies[@]}" | sort | tr '\n' ',') == "$(jq -r '.[].MessageBody' <<<"$entries" | sort | tr '\n' ',')" ]] \
    || fail "batch bodies: ${bodies[*]}"
  [[ $(approximate "$url") == 0 ]] || fail "messages left"
  OBSERVED=$(jq -n --argjson n "${#bodies[@]}" '{single: 1, batch: $n}')
}

visibility() {
  local url first second handle changed
  url=$(create vis)
  sqs send-message --queue-url "$url" --message-body again >/dev/null
  first=$(sqs receive-message --queue-url "$url" --visibility-timeout 60 --wait-time-seconds 5 --attribute-names All)
  [[ $(jq -r '.Messages[0].Attributes.ApproximateReceiveCount' <<<"$first") == 1 ]] || fail "first receive: $first"
  [[ -z $(sqs receive-message --queue-url "$url" --wait-time-seconds 0) ]] || fail "in-flight message delivered twice"
  sqs change-message-visibility --queue-url "$url" --receipt-handle "$(jq -r '.Messages[0].ReceiptHandle' <<<"$first")" \
    --visibility-timeout 0
  second=$(sqs receive-message --queue-url "$url" --visibility-timeout 60 --wait-time-seconds 5 --attribute-names All)
  [[ $(jq -r '.Messages[0].Attributes.ApproximateReceiveCount' <<<"$second") == 2 ]] || fail "second receive: $second"
  handle=$(jq -r '.Messages[0].ReceiptHandle' <<<"$second")
  changed=$(sqs change-message-visibility-batch --queue-url "$url" --entries \
    "$(jq -nc --arg h "$handle" '[{Id: "ok", ReceiptHandle: $h, VisibilityTimeout: 0}, {Id: "bad", ReceiptHandle: "not-a-handle", VisibilityTimeout: 0}]')")
  [[ $(jq -c '[.Successful[].Id, .Failed[].Code]' <<<"$changed") == '["ok","ReceiptHandleIsInvalid"]' ]] || fail "batch: $changed"
  [[ -n $(sqs receive-message --queue-url "$url" --wait-time-seconds 5) ]] || fail "message did not come back"
  OBSERVED='{"receiveCount":"2"}'
}

long_polling() {
  local url started waited out poller sent_at returned
  url=$(create poll)
  started=$(now)
  [[ -z $(sqs receive-message --queue-url "$url" --wait-time-seconds 1) ]] || fail "empty queue returned a message"
  waited=$(since "$started")
  at_least "$waited" 0.9 || fail "empty long poll returned after $waited s"
  out=$(mktemp)
  { sqs receive-message --queue-url "$url" --wait-time-seconds 20 >"$out"; now >"$out.at"; } &
  poller=$!
  # The aws CLI takes about a second to start; give the poll that long to reach the server. If the send wins the race
  # the poll still gets the message, so the checks below hold either way.
  sleep 2
  sqs send-message --queue-url "$url" --message-body "wake up" >/dev/null
  # Measured from the end of the send command: its own start-up takes seconds on a busy machine, and the poll may
  # even return before the sending CLI has exited (a negative figure).
  sent_at=$(now)
  wait "$poller"
  returned=$(cat "$out.at")
  [[ $(jq -r '.Messages[0].Body' "$out") == "wake up" ]] || fail "poll got: $(cat "$out")"
  rm -f "$out" "$out.at"
  local latency; latency=$(awk -v a="$returned" -v b="$sent_at" 'BEGIN { printf "%.3f", a - b }')
  at_least 3 "$latency" || fail "long poll returned $latency s after the send"
  OBSERVED=$(jq -n --arg w "$waited" --arg l "$latency" '{emptyWaitSeconds: ($w|tonumber), wakeSeconds: ($l|tonumber)}')
}

delays() {
  # Each aws CLI call takes a second or two to start, so the delay is long enough to outlast the check made before it.
  local url sent_at received delay
  url=$(create delay)
  sent_at=$(now)
  sqs send-message --queue-url "$url" --message-body later --delay-seconds 8 >/dev/null
  [[ -z $(sqs receive-message --queue-url "$url" --wait-time-seconds 0) ]] || fail "delayed message visible at once"
  [[ $(approximate "$url" ApproximateNumberOfMessagesDelayed) == 1 ]] || fail "not counted as delayed"
  received=$(sqs receive-message --queue-url "$url" --wait-time-seconds 20)
  delay=$(since "$sent_at")
  [[ $(jq -r '.Messages[0].Body' <<<"$received") == later ]] || fail "delayed message: $received"
  at_least "$delay" 7.5 || fail "delivered after $delay s"
  OBSERVED=$(jq -n --arg d "$delay" '{delaySeconds: ($d|tonumber)}')
}

fifo() {
  local url i received bodies=() tries=0 deletes content
  url=$(create order FifoQueue=true .fifo)
  for i in 0 1 2 3 4; do
    sqs send-message --queue-url "$url" --message-body "a$i" --message-group-id A --message-deduplication-id "a$i" >/dev/null
  done
  sqs send-message --queue-url "$url" --message-body "a0 again" --message-group-id A --message-deduplication-id a0 >/dev/null
  expect_error "MissingParameter" send-message --queue-url "$url" --message-body "no group" --message-deduplication-id x
  while (( ${#bodies[@]} < 5 && tries++ < 20 )); do
    received=$(sqs receive-message --queue-url "$url" --max-number-of-messages 10 --wait-time-seconds 2)
    [[ -z $received ]] && continue
    mapfile -t -O "${#bodies[@]}" bodies < <(jq -r '.Messages[].Body' <<<"$received")
    deletes=$(jq -c '[.Messages | to_entries[] | {Id: "d\(.key)", ReceiptHandle: .value.ReceiptHandle}]' <<<"$received")
    sqs delete-message-batch --queue-url "$url" --entries "$deletes" >/dev/null
  done
  [[ "${bodies[*]}" == "a0 a1 a2 a3 a4" ]] || fail "FIFO order: ${bodies[*]}"
  content=$(sqs create-queue --queue-name "$(unique content).fifo" \
    --attributes FifoQueue=true,ContentBasedDeduplication=true | jq -r .QueueUrl)
  sqs send-message --queue-url "$content" --message-body same --message-group-id G >/dev/null
  sqs send-message --queue-url "$content" --message-body same --message-group-id G >/dev/null
  [[ $(approximate "$content") == 1 ]] || fail "content-based deduplication kept both"
  OBSERVED=$(printf '%s\n' "${bodies[@]}" | jq -R . | jq -sc '{order: .}')
}

dead_letters() {
  local dlq arn source policy tries=0
  dlq=$(create dlq)
  arn=$(approximate "$dlq" QueueArn)
  policy=$(jq -nc --arg a "$arn" '{RedrivePolicy: ({deadLetterTargetArn: $a, maxReceiveCount: "1"} | tojson)}')
  source=$(sqs create-queue --queue-name "$(unique src)" --attributes "$policy" | jq -r .QueueUrl)
  sqs send-message --queue-url "$source" --message-body poison >/dev/null
  [[ $(sqs receive-message --queue-url "$source" --visibility-timeout 0 --wait-time-seconds 5 | jq -r '.Messages[0].Body') == poison ]] \
    || fail "first receive"
  [[ -z $(sqs receive-message --queue-url "$source" --wait-time-seconds 1) ]] || fail "delivered past maxReceiveCount"
  until [[ $(approximate "$dlq") == 1 ]]; do
    (( tries++ < 100 )) || fail "the message never reached the dead-letter queue"
    sleep 0.1
  done
  sqs list-dead-letter-source-queues --queue-url "$dlq" | jq -e --arg s "$source" '.queueUrls | index($s)' >/dev/null \
    || fail "list-dead-letter-source-queues"
  OBSERVED=$(jq -n --arg a "$arn" '{deadLetterArn: $a}')
}

attributes() {
  local url sent received
  url=$(create attrs)
  sent=$(sqs send-message --queue-url "$url" --message-body "with attributes" --message-attributes \
    '{"attribName1":{"DataType":"String","StringValue":"attribValue 1"},"customNumberTypeAttrib":{"DataType":"Number.float","StringValue":"4563442423554324324264524243.32543234"},"binaryAttribute":{"DataType":"Binary","BinaryValue":"SGVsbG8gYmluYXJ5IHdvcmxkIQ=="}}')
  [[ $(jq -r .MD5OfMessageAttributes <<<"$sent") == c932db14a896c663f83c260297d594ff ]] || fail "send: $sent"
  received=$(sqs receive-message --queue-url "$url" --wait-time-seconds 5 --message-attribute-names All --attribute-names All)
  [[ $(jq -r '.Messages[0].MD5OfMessageAttributes' <<<"$received") == c932db14a896c663f83c260297d594ff ]] || fail "receive: $received"
  [[ $(jq -r '.Messages[0].MessageAttributes.binaryAttribute.BinaryValue' <<<"$received") == SGVsbG8gYmluYXJ5IHdvcmxkIQ== ]] \
    || fail "binary attribute: $received"
  jq -e '.Messages[0].Attributes.SentTimestamp' <<<"$received" >/dev/null || fail "SentTimestamp missing"
  OBSERVED=$(jq -c '{md5OfMessageAttributes: .Messages[0].MD5OfMessageAttributes}' <<<"$received")
}

purge() {
  local url
  url=$(create purge)
  sqs send-message-batch --queue-url "$url" --entries '[{"Id":"0","MessageBody":"0"},{"Id":"1","MessageBody":"1"},{"Id":"2","MessageBody":"2"}]' >/dev/null
  [[ $(approximate "$url") == 3 ]] || fail "before purge"
  sqs purge-queue --queue-url "$url"
  [[ -z $(sqs receive-message --queue-url "$url" --wait-time-seconds 1) ]] || fail "message after purge"
  [[ $(approximate "$url") == 0 ]] || fail "after purge"
  OBSERVED='{"purged":3}'
}

tags() {
  local url
  url=$(sqs create-queue --queue-name "$(unique tags)" --tags team=ingest | jq -r .QueueUrl)
  [[ $(sqs list-queue-tags --queue-url "$url" | jq -c .Tags) == '{"team":"ingest"}' ]] || fail "create tags"
  sqs tag-queue --queue-url "$url" --tags env=test,team=core
  [[ $(sqs list-queue-tags --queue-url "$url" | jq -cS .Tags) == '{"env":"test","team":"core"}' ]] || fail "tag-queue"
  sqs untag-queue --queue-url "$url" --tag-keys team
  OBSERVED=$(sqs list-queue-tags --queue-url "$url" | jq -c '{tags: .Tags}')
  [[ $OBSERVED == '{"tags":{"env":"test"}}' ]] || fail "untag-queue: $OBSERVED"
}

errors() {
  local url small fifo
  url=$(create errors)
  expect_error "AWS.SimpleQueueService.NonExistentQueue" get-queue-url --queue-name no-such-queue-x
  expect_error "AWS.SimpleQueueService.NonExistentQueue" send-message --queue-url "${url%/*}/no-such-queue-y" --message-body x
  expect_error "InvalidParameterValue" create-queue --queue-name 'bad name!'
  expect_error "InvalidAttributeValue InvalidParameterValue" set-queue-attributes --queue-url "$url" --attributes VisibilityTimeout=43201
  expect_error "InvalidParameterValue" receive-message --queue-url "$url" --max-number-of-messages 11
  expect_error "ReceiptHandleIsInvalid" delete-message --queue-url "$url" --receipt-handle forged
  expect_error "AWS.SimpleQueueService.TooManyEntriesInBatchRequest" send-message-batch --queue-url "$url" \
    --entries "$(jq -nc '[range(11) | {Id: "\(.)", MessageBody: "x"}]')"
  expect_error "AWS.SimpleQueueService.BatchEntryIdsNotDistinct" send-message-batch --queue-url "$url" \
    --entries '[{"Id":"same","MessageBody":"x"},{"Id":"same","MessageBody":"y"}]'
  expect_error "AWS.SimpleQueueService.InvalidBatchEntryId" send-message-batch --queue-url "$url" \
    --entries '[{"Id":"not valid!","MessageBody":"x"}]'
  expect_error "InvalidMessageContents" send-message --queue-url "$url" --message-body "$(printf 'bad \001 char')"
  small=$(create small MaximumMessageSize=1024)
  expect_error "InvalidParameterValue" send-message --queue-url "$small" --message-body "$(head -c 1025 /dev/zero | tr '\0' x)"
  fifo=$(sqs create-queue --queue-name "$(unique errfifo).fifo" --attributes FifoQueue=true | jq -r .QueueUrl)
  expect_error "InvalidParameterValue" send-message --queue-url "$fifo" --message-body x --message-group-id g \
    --message-deduplication-id d --delay-seconds 5
  expect_error "InvalidParameterValue" send-message --queue-url "$fifo" --message-body x --message-group-id g
  [[ $(approximate "$url")$(approximate "$small")$(approximate "$fifo") == 000 ]] || fail "a refused call changed a queue"
  OBSERVED='{}'
}

signature() {
  local name url wrong unknown
  name=$(unique signed)
  url=$(sqs create-queue --queue-name "$name" | jq -r .QueueUrl)
  sqs list-queues --queue-name-prefix "$name" | jq -e --arg u "$url" '.QueueUrls | index($u)' >/dev/null || fail "right key refused"
  AWS_SECRET_ACCESS_KEY="$WRONG_SECRET" expect_error "SignatureDoesNotMatch" list-queues
  AWS_ACCESS_KEY_ID="$UNKNOWN_KEY" expect_error "InvalidClientTokenId" list-queues
  OBSERVED=$(jq -n --arg w "${ERRORS[0]}" --arg u "${ERRORS[1]}" '{wrongSecret: $w, unknownKey: $u}')
}

OBSERVED='{}'
"$1"
jq -c --arg s "$1" --arg v "$("$AWS_CLI" --version 2>&1)" --argjson e "$(printf '%s\n' "${ERRORS[@]}" | jq -R . | jq -sc 'map(select(. != ""))')" \
  '. + {scenario: $s, client: $v, errors: $e}' <<<"$OBSERVED"
echo "SCENARIO OK $1"
