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
set -euo pipefail

GATEWAY="${GATEWAY:-http://127.0.0.1:8080}"

json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# call METHOD PATH [BODY] [EXTRA CURL ARGS...]: prints the exchange; the response body is left
# in $BODY, the status in $STATUS and the headers in $HEADERS.
call() {
    local method="$1" path="$2" body="${3:-}"
    shift 3 || shift $#
    local args=(-sS -X "$method" "$GATEWAY$path" -D "$tmp/headers" -o "$tmp/body" -w '%{http_code}')
    [ -n "${TOKEN:-}" ] && args+=(-H "Authorization: Bearer $TOKEN")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
    echo ">>> $method $path"
    [ -n "$body" ] && echo ">>> $body"
    STATUS=$(curl "${args[@]}" "$@")
    HEADERS=$(tr -d '\r' < "$tmp/headers")
    BODY=$(cat "$tmp/body")
    echo "<<< $(head -n 1 <<< "$HEADERS")"
    grep -iE '^(location|etag|x-total-count|link|content-type):' <<< "$HEADERS" | sed 's/^/<<< /' || true
    [ -n "$BODY" ] && echo "<<< $BODY"
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
number="+55 84 9$(printf '%04d' $((RANDOM % 10000)))-$(printf '%04d' $((RANDOM % 10000)))"
call POST /dids "{\"value\": \"$number\", \"monthyPrice\": \"0.03\", \"setupPrice\": \"3.40\", \"currency\": \"U\$\"}"
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
