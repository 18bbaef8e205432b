#!/usr/bin/env bash
# A buyer's journey through the API of a running demo server (scripts/run.sh):
# browse, fill the cart with SKUs of two shops, preview checkout, place (one order per shop under
# one trade), pay through the sandbox payment provider (its signed callback, verified as a real
# provider's), ship with the sandbox carrier and follow its tracking to delivered (re-polled
# through the API), confirm receipt. Works against any BASE_URL whose server has the sandbox
# provider and carrier enabled (PAYMENTS_PROVIDERS, LOGISTICS_CARRIERS: the defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BASE_URL:-http://127.0.0.1:8000}/api/v1
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
post() { curl -sf -X POST "$B/$1" -H 'Content-Type: application/json' "${@:3}" -d "$2"; }

TOKEN=$(post auth/login '{"identifier": "buyer1@example.com", "password": "buyer12345"}' | json 'd["access"]')
AUTH="Authorization: Bearer $TOKEN"
ADMIN=$(post auth/login '{"identifier": "admin@example.com", "password": "admin12345"}' | json 'd["access"]')

echo "== browse: one product of each of two shops, with per-SKU stock"
P1=$(curl -sf "$B/products?merchant=1&in_stock=true&sort=price_asc" | json 'd["results"][0]["id"]')
P2=$(curl -sf "$B/products?merchant=2&in_stock=true&sort=sales" | json 'd["results"][0]["id"]')
SKU1=$(curl -sf "$B/products/$P1" | json 'd["skus"][0]["id"]')
SKU2=$(curl -sf "$B/products/$P2" | json 'd["skus"][0]["id"]')
curl -sf "$B/skus/availability?ids=$SKU1,$SKU2" | json 'd'

echo "== cart"
post cart/items "{\"sku_id\": $SKU1, \"quantity\": 2}" -H "$AUTH" >/dev/null
post cart/items "{\"sku_id\": $SKU2, \"quantity\": 1}" -H "$AUTH" \
  | json '[(g["merchant_id"], [(l["sku_id"], l["quantity"], l["unit_price"], l["issues"]) for l in g["lines"]]) for g in d["groups"]]'

echo "== checkout preview (writes nothing)"
ADDR=$(curl -sf "$B/me/addresses" -H "$AUTH" | json 'd[0]["id"]')
post checkout/preview "{\"address_id\": $ADDR}" -H "$AUTH" \
  | json '{k: d[k] for k in ("items_amount", "freight_amount", "discount_amount", "pay_amount")}'

echo "== place: one order per shop, one trade; the same Idempotency-Key replays the same result"
KEY="tour-$(date +%s%N)"
post orders "{\"address_id\": $ADDR}" -H "$AUTH" -H "Idempotency-Key: $KEY" > /tmp/tour-placed.json
json '(d["trade_no"], [(o["order_no"], o["merchant_id"], o["pay_amount"], o["status"]) for o in d["orders"]])' < /tmp/tour-placed.json
TRADE=$(json 'd["trade_no"]' < /tmp/tour-placed.json)

echo "== pay through the sandbox provider: create the payment, pay, wait for its signed callback"
PAYMENT=$(post "trades/$TRADE/payments" '{"provider": "sandbox", "channel": "page"}' -H "$AUTH" \
  -H "Idempotency-Key: $KEY-pay")
echo "$PAYMENT" | json '(d["payment_no"], d["amount"], d["state"], d["client"]["kind"])'
PAYMENT_NO=$(echo "$PAYMENT" | json 'd["payment_no"]')
post "payments/sandbox/$PAYMENT_NO/pay" '{}' -H "$AUTH" | json 'd["state"]'
FIRST_ORDER=$(json 'd["orders"][0]["order_no"]' < /tmp/tour-placed.json)
for _ in $(seq 1 30); do  # by HTTP (PAYMENTS_NOTIFY_BASE_URL) the callback may take a moment
  STATE=$(curl -sf "$B/orders/$FIRST_ORDER" -H "$AUTH" | json 'd["status"]')
  [ "$STATE" = paid ] && break
  sleep 1
done
echo "payment $PAYMENT_NO: orders $STATE (stock reserved -> deducted)"
[ "$STATE" = paid ] || { echo "the payment's callback did not arrive" >&2; exit 1; }

for ORDER in $(json '" ".join(o["order_no"] for o in d["orders"])' < /tmp/tour-placed.json); do
  echo "== order $ORDER: the shop ships it with the sandbox carrier (e-waybill), tracking until delivered"
  SHIPMENT=$(post "admin/orders/$ORDER/shipments" '{"carrier_code": "sandbox", "waybill": true}' \
    -H "Authorization: Bearer $ADMIN" | json 'd["id"]')
  # No beat may run on BASE_URL: ask the carrier through the re-poll endpoint until delivered.
  for _ in $(seq 1 40); do
    post "admin/shipments/$SHIPMENT/poll" '{}' -H "Authorization: Bearer $ADMIN" >/dev/null
    STATE=$(curl -sf "$B/orders/$ORDER/shipments" -H "$AUTH" \
      | json '" ".join(p["tracking_number"] + ":" + p["status"] + ":" + (p["tracking"][-1]["kind"] if p["tracking"] else "-") for p in d)')
    echo "   $STATE"
    case "$STATE" in *:delivered:*) break ;; esac
    sleep 1
  done
  for _ in $(seq 1 20); do  # the order follows its parcels through the event relay
    [ "$(curl -sf "$B/orders/$ORDER" -H "$AUTH" | json 'd["status"]')" = delivered ] && break
    sleep 0.5
  done
  echo "== order $ORDER: confirm receipt (buyer)"
  post "orders/$ORDER/confirm" '{}' -H "$AUTH" | json 'd["status"]'
  curl -sf "$B/orders/$ORDER/logs" -H "$AUTH" \
    | json '[(l["from_status"] or "-", l["to_status"], l["actor"]) for l in d]'
done
echo "== the cart no longer holds what was ordered"
curl -sf "$B/cart" -H "$AUTH" | json 'd["line_count"]'
