#!/bin/sh
# The enriched events with redis-cli, from the first one on: each event's JSON on one line; then
# waits for the next ones. Exits after COUNT events if given.
#
#     eval "$(newswire env)"
#     sh examples/redis_cli.sh [COUNT]
set -eu
: "${NEWSWIRE_REDIS_URL:?not set: run eval \"\$(newswire env)\" first}"
stream="${NEWSWIRE_STREAM_PREFIX:-}articles:enriched"
count="${1:-}"
last=0
seen=0
while [ -z "$count" ] || [ "$seen" -lt "$count" ]; do
    # --raw prints one reply element a line: stream name, entry id, field name (__data__), the JSON
    reply=$(redis-cli -u "$NEWSWIRE_REDIS_URL" --no-auth-warning --raw XREAD COUNT 1 BLOCK 0 STREAMS "$stream" "$last")
    last=$(printf '%s\n' "$reply" | sed -n 2p)
    case "$last" in
        *[0-9]-[0-9]*) ;;
        *) echo "redis-cli: $reply" >&2; exit 1 ;;  # an error (wrong password, ...), not an entry
    esac
    printf '%s\n' "$reply" | sed -n 4p
    seen=$((seen + 1))
done
