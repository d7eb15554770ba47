#!/usr/bin/env bash
# Every CRUD operation on /dids through the gateway, with a supervisor's token, printing each
# request and response. Needs curl and python3 (for reading JSON).
#
#   GATEWAY=http://127.0.0.1:8080 \
#   SWITCHBOARD_ADMIN_USERNAME=root SWITCHBOARD_ADMIN_PASSWORD='...' \
#   services/inventory/scripts/crud.sh
#
# With the admin's credentials it signs up a new user and makes them a supervisor; or give
# SUPERVISOR_TOKEN (an access token with the supervisor role) and no admin is needed.
# Passwords and tokens are masked in what it prints (its output may end up in a CI log).
# Exit status: 0 when every call answered as expected, 1 at the first one that did not.
set -euo pipefail

GATEWAY="${GATEWAY:-http://127.0.0.1:8080}"

for program in curl python3; do
    command -v "$program" > /dev/null || { echo "$program is needed" >&2; exit 1; }
done

json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# Masks the values of "password", "accessToken" and "refreshToken" in JSON text (escaped
# quotes inside a value included), so credentials never reach the printed exchange.
redact() {
    sed -E 's/("(password|accessToken|refreshToken)" *: *")([^"\\]|\\.)*"/\1***"/g'
}

# call METHOD PATH [BODY] [EXTRA CURL ARGS...]: prints the exchange; the response body is left
# in $BODY, the status in $STATUS and the headers in $HEADERS. Extra `-H 'Name: value'` headers
# (If-Match) are printed with the request, since the answer depends on them.
call() {
    local method="$1" path="$2" body="${3:-}"
    shift 3 || shift $#
    local args=(-sS -X "$method" "$GATEWAY$path" -D "$tmp/headers" -o "$tmp/body" -w '%{http_code}')
    [ -n "${TOKEN:-}" ] && args+=(-H "Authorization: Bearer $TOKEN")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
    echo ">>> $method $path"
    local previous="" extra
    for extra in "$@"; do
        [ "$previous" = -H ] && echo ">>> $extra"
        previous="$extra"
    done
    if [ -n "$body" ]; then echo ">>> $body" | redact; fi
    STATUS=$(curl "${args[@]}" "$@")
    HEADERS=$(tr -d '\r' < "$tmp/headers")
    BODY=$(cat "$tmp/body")
    echo "<<< $(head -n 1 <<< "$HEADERS")"
    grep -iE '^(location|etag|x-total-count|link|content-type):' <<< "$HEADERS" | sed 's/^/<<< /' || true
    if [ -n "$BODY" ]; then echo "<<< $BODY" | redact; fi
    echo
}

expect() {
    if [ "$STATUS" != "$1" ]; then
        echo "expected HTTP $1, got $STATUS" >&2
        exit 1
    fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -z "${SUPERVISOR_TOKEN:-}" ]; then
    : "${SWITCHBOARD_ADMIN_USERNAME:?set it (and SWITCHBOARD_ADMIN_PASSWORD), or SUPERVISOR_TOKEN}"
    : "${SWITCHBOARD_ADMIN_PASSWORD:?set it, or SUPERVISOR_TOKEN}"
    echo "# Sign in as the admin and make a new user a supervisor"
    TOKEN=""
    credentials=$(python3 -c 'import json, sys; print(json.dumps({"username": sys.argv[1], "password": sys.argv[2]}))' \
        "$SWITCHBOARD_ADMIN_USERNAME" "$SWITCHBOARD_ADMIN_PASSWORD")
    call POST /auth/signin "$credentials"; expect 200
    admin_token=$(json_field accessToken <<< "$BODY")
    supervisor="supervisor$RANDOM$RANDOM"
    password="crud script $RANDOM$RANDOM$RANDOM"
    call POST /auth/signup "{\"username\": \"$supervisor\", \"password\": \"$password\"}"; expect 201
    supervisor_id=$(json_field id <<< "$BODY")
    TOKEN="$admin_token"
    call PUT "/auth/users/$supervisor_id/roles" '{"roles": ["supervisor"]}'; expect 200
    TOKEN=""
    call POST /auth/signin "{\"username\": \"$supervisor\", \"password\": \"$password\"}"; expect 200
    SUPERVISOR_TOKEN=$(json_field accessToken <<< "$BODY")
fi
TOKEN="$SUPERVISOR_TOKEN"

echo "# Create"
# A random mobile number in Natal (+55 84 9xxxx-xxxx, every one of them valid). The sample data
# has none there, but a number another run left behind is a 409: then try another one.
for attempt in 1 2 3 4 5; do
    number="+55 84 9$(printf '%04d' $((RANDOM % 10000)))-$(printf '%04d' $((RANDOM % 10000)))"
    call POST /dids "{\"value\": \"$number\", \"monthyPrice\": \"0.03\", \"setupPrice\": \"3.40\", \"currency\": \"U\$\"}"
    if [ "$STATUS" != 409 ] || [ "$attempt" -eq 5 ]; then break; fi
done
expect 201
id=$(json_field id <<< "$BODY")

echo "# Read one, and a page of the list"
call GET "/dids/$id"; expect 200
etag=$(grep -i '^etag:' <<< "$HEADERS" | cut -d' ' -f2-)
call GET "/dids?page=1&per_page=3&sort=-monthyPrice"; expect 200

echo "# Replace (with If-Match), then change one field"
call PUT "/dids/$id" "{\"value\": \"$number\", \"monthyPrice\": \"0.05\", \"setupPrice\": \"4.00\", \"currency\": \"U\$\"}" \
    -H "If-Match: $etag"
expect 200
call PATCH "/dids/$id" '{"setupPrice": "2.50"}'; expect 200

echo "# A stale If-Match is refused"
call PATCH "/dids/$id" '{"setupPrice": "9.99"}' -H "If-Match: $etag"; expect 412

echo "# Delete, then it is gone"
call DELETE "/dids/$id"; expect 204
call GET "/dids/$id"; expect 404

echo "every CRUD operation answered as expected"
