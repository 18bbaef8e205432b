#!/usr/bin/env bash
# A buyer's journey through the API of a running demo server (scripts/run.sh):
# search (suggestions, keywords with facets), browse, claim a coupon, fill the cart with SKUs of two shops (recommendations under the
# product page and the cart, the buyer's feed; promotions and the best coupon
# apply, with notes saying why), preview checkout spending points, place (one order per shop
# under one trade; the same numbers as the preview), pay through the sandbox payment provider
# (its signed callback, verified as a real provider's), ship with the sandbox carrier and follow
# its tracking to delivered (re-polled through the API), confirm receipt (points earned). Then an
# order cancelled before payment gives its coupon and points back. Then a return and refund after
# delivery through after-sales (apply, approve, return parcel, inspection, refund, unit restocked,
# points reversed). Settlement: the completed orders are lines, staff issue the statements (as of
# a day past the after-sales window), approve and pay one out; then a full refund reverses the
# points and is an adjustment line in settlement. Then a flash sale: a one-time purchase token,
# one unit bought, the order created asynchronously at the flash price, paid. And a group buy:
# buyer1 starts a group, buyer2 joins, both pay, the group completes and its order ships. Then
# memberships: a member's checkout ships free and costs the member price, and a buyer subscribes
# and pays the invoice through the sandbox. Works against any BASE_URL whose server has the demo
# data and the sandbox provider and carrier enabled (PAYMENTS_PROVIDERS, LOGISTICS_CARRIERS: the
# defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BASE_URL:-http://127.0.0.1:8000}/api/v1
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
post() { curl -sf -X POST "$B/$1" -H 'Content-Type: application/json' "${@:3}" -d "$2"; }

TOKEN=$(post auth/login '{"identifier": "buyer1@example.com", "password": "buyer12345"}' | json 'd["access"]')
AUTH="Authorization: Bearer $TOKEN"
ADMIN=$(post auth/login '{"identifier": "admin@example.com", "password": "admin12345"}' | json 'd["access"]')

echo "== search: suggestions while typing, then a keyword search with facets (brand, category, price)"
curl -sf "$B/search/suggest?q=demo+pro&limit=3" | json '[s["text"] for s in d["results"]]'
curl -sf "$B/search/products?q=demo+product&in_stock=true&sort=sales&page_size=3" | json '(d["count"], [(h["highlight"], h["price"]) for h in d["results"]], [(b["name"], b["count"]) for b in d["facets"]["brands"]][:3], [(c["name"], c["count"]) for c in d["facets"]["categories"]][:3], [(p["low"], p["count"]) for p in d["facets"]["prices"]][:3])'
echo "== browse: one product of each of two shops, with per-SKU stock"
P1=$(curl -sf "$B/products?merchant=1&in_stock=true&sort=price_asc" | json 'd["results"][0]["id"]')
P2=$(curl -sf "$B/products?merchant=2&in_stock=true&sort=sales" | json 'd["results"][0]["id"]')
SKU1=$(curl -sf "$B/products/$P1" | json 'd["skus"][0]["id"]')
SKU2=$(curl -sf "$B/products/$P2" | json 'd["skus"][0]["id"]')
curl -sf "$B/skus/availability?ids=$SKU1,$SKU2" | json 'd'
echo "== promotions running on $SKU1 (what the product page shows)"
curl -sf "$B/promotions?sku_id=$SKU1" | json '[(a["name"], a["rule_kind"]) for a in d]'

echo "== coupons: claim one that is open for claiming, then my available coupons; my points"
TEMPLATE=$(curl -sf "$B/coupon-templates" -H "$AUTH" | json 'd["results"][0]["id"]')
curl -s -X POST "$B/coupon-templates/$TEMPLATE/claim" -H "$AUTH" \
  | json 'd.get("id") and ("claimed", d["id"]) or ("not claimed", d["error"]["code"])'
curl -sf "$B/me/coupons?status=available" -H "$AUTH" | json '[c["template"]["name"] for c in d["results"]]'
curl -sf "$B/me/points" -H "$AUTH" | json '(d["balance"], d["level"]["name"])'

echo "== cart"
post cart/items "{\"sku_id\": $SKU1, \"quantity\": 2}" -H "$AUTH" >/dev/null
post cart/items "{\"sku_id\": $SKU2, \"quantity\": 1}" -H "$AUTH" \
  | json '[(g["merchant_id"], [(l["sku_id"], l["quantity"], l["unit_price"], l["issues"]) for l in g["lines"]]) for g in d["groups"]]'
echo "== recommendations: under a product page (extras), the cart's, a buyer's feed"
curl -sf "$B/products/$P1" | json '{k: [p["title"] for p in v][:3] for k, v in d["extras"]["recommendations"].items()}'
curl -sf "$B/cart" -H "$AUTH" | json '{k: [p["title"] for p in v][:3] for k, v in d["extras"]["recommendations"].items()}'
curl -sf "$B/recommendations/feed" -H "$AUTH" | json '[(p["title"], p["reason"]) for p in d["items"]][:3]'
echo "== cart quote: promotions and the best coupon applied, each explained (spending 500 points)"
curl -sf "$B/checkout/cart-quote?points=500" -H "$AUTH" \
  | json '([(a["source"], a["label"], a["amount"]) for a in d["adjustments"]], [(n["source"], n["applied"], n["message"]) for n in d["notes"]], d["pay_amount"])'

echo "== checkout preview (writes nothing)"
ADDR=$(curl -sf "$B/me/addresses" -H "$AUTH" | json 'd[0]["id"]')
post checkout/preview "{\"address_id\": $ADDR, \"points\": 500}" -H "$AUTH" > /tmp/tour-preview.json
json '{k: d[k] for k in ("items_amount", "freight_amount", "discount_amount", "pay_amount")}' < /tmp/tour-preview.json
PREVIEW_PAY=$(json 'd["pay_amount"]' < /tmp/tour-preview.json)

echo "== place: one order per shop, one trade; the same Idempotency-Key replays the same result"
KEY="tour-$(date +%s%N)"
post orders "{\"address_id\": $ADDR, \"points\": 500, \"expected_pay_amount\": \"$PREVIEW_PAY\"}" \
  -H "$AUTH" -H "Idempotency-Key: $KEY" > /tmp/tour-placed.json
json '(d["trade_no"], d["pay_amount"], [(o["order_no"], o["merchant_id"], o["pay_amount"], o["status"]) for o in d["orders"]])' < /tmp/tour-placed.json
TRADE=$(json 'd["trade_no"]' < /tmp/tour-placed.json)
PLACED_PAY=$(json 'd["pay_amount"]' < /tmp/tour-placed.json)
[ "$PLACED_PAY" = "$PREVIEW_PAY" ] || { echo "placed $PLACED_PAY != preview $PREVIEW_PAY" >&2; exit 1; }
echo "placed for $PLACED_PAY, as previewed; points held:"
curl -sf "$B/me/points" -H "$AUTH" | json '(d["balance"], d["held"])'

echo "== pay through the sandbox provider: create the payment, pay, wait for its signed callback"
PAYMENT=$(post "trades/$TRADE/payments" '{"provider": "sandbox", "channel": "page"}' -H "$AUTH" \
  -H "Idempotency-Key: $KEY-pay")
echo "$PAYMENT" | json '(d["payment_no"], d["amount"], d["state"], d["client"]["kind"])'
PAYMENT_NO=$(echo "$PAYMENT" | json 'd["payment_no"]')
[ "$(echo "$PAYMENT" | json 'd["amount"]')" = "$PREVIEW_PAY" ] || { echo "payment amount differs" >&2; exit 1; }
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
echo "== points after completion (spent 500, earned on the completed orders), coupons used"
for _ in $(seq 1 20); do  # earning follows the completed orders through the event relay
  EARNED=$(curl -sf "$B/me/points/entries?kind=earn" -H "$AUTH" | json 'd["count"]')
  [ "$EARNED" != 0 ] && break
  sleep 0.5
done
curl -sf "$B/me/points" -H "$AUTH" | json '(d["balance"], d["held"], d["level"]["name"], d["growth"])'
curl -sf "$B/me/coupons?status=used" -H "$AUTH" | json '[c["template"]["name"] for c in d["results"]][:3]'

echo "== a buy-now order with points and the best coupon, cancelled before payment: both come back"
BEFORE=$(curl -sf "$B/me/points" -H "$AUTH" | json 'd["balance"]')
post orders "{\"address_id\": $ADDR, \"points\": 200, \"items\": [{\"sku_id\": $SKU1, \"quantity\": 3}]}" \
  -H "$AUTH" -H "Idempotency-Key: $KEY-cancel" > /tmp/tour-cancel.json
json '(d["pay_amount"], [(o["order_no"], o["pay_amount"]) for o in d["orders"]])' < /tmp/tour-cancel.json
curl -sf "$B/me/coupons?status=held" -H "$AUTH" | json '"held coupons: %d" % d["count"]'
for ORDER in $(json '" ".join(o["order_no"] for o in d["orders"])' < /tmp/tour-cancel.json); do
  post "orders/$ORDER/cancel" '{}' -H "$AUTH" | json 'd["status"]'
done
curl -sf "$B/me/coupons?status=held" -H "$AUTH" | json '"held coupons: %d" % d["count"]'
AFTER=$(curl -sf "$B/me/points" -H "$AUTH" | json 'd["balance"]')
echo "points $BEFORE before, $AFTER after the cancel"
[ "$BEFORE" = "$AFTER" ] || { echo "the points did not come back" >&2; exit 1; }

echo "== settlement: the completed orders are lines (commission, platform-funded coupon and points)"
STAFF="Authorization: Bearer $ADMIN"
for _ in $(seq 1 20); do  # the lines follow the completed orders through the event relay
  LINES=$(curl -sf "$B/admin/settlement/open-lines?page_size=100" -H "$STAFF" \
    | json "len([l for l in d['results'] if l['trade_no'] == '$TRADE'])")
  [ "$LINES" != 0 ] && break
  sleep 0.5
done
curl -sf "$B/admin/settlement/open-lines?page_size=100" -H "$STAFF" \
  | json "[(l['merchant_id'], l['paid_amount'], l['platform_funded'], l['commission'], l['net_amount'], l['settleable_at'][:10]) for l in d['results'] if l['trade_no'] == '$TRADE']"
# The lines settle after the after-sales window: staff run the statements as of a day past it
# (and past any period an earlier tour run issued, so the tour can run again).
RUN_DAY=$(curl -sf "$B/admin/settlement/statements?page_size=1" -H "$STAFF" | python3 -c "
import datetime, json, sys
d = json.load(sys.stdin)
day = datetime.date.today() + datetime.timedelta(days=8)
if d['results']:
    day = max(day, datetime.date.fromisoformat(d['results'][0]['period_end']) + datetime.timedelta(days=1))
print(day)")
post admin/settlement/statements/run "{\"today\": \"$RUN_DAY\"}" -H "$STAFF" > /tmp/tour-statements.json
json '[(s["statement_no"], s["merchant_id"], s["line_count"], s["paid_total"], s["commission_total"], s["net_total"]) for s in d]' < /tmp/tour-statements.json
STATEMENT=$(json 'd[0]["statement_no"] if d else ""' < /tmp/tour-statements.json)
[ -n "$STATEMENT" ] || { echo "no statement was issued" >&2; exit 1; }
echo "== statement $STATEMENT: approve, pay out through the sandbox transfer, export"
post "admin/settlement/statements/$STATEMENT/approve" '{}' -H "$STAFF" | json 'd["state"]'
post "admin/settlement/statements/$STATEMENT/payout" '{}' -H "$STAFF" | json '(d["payout_no"], d["amount"], d["state"])'
curl -sf "$B/admin/settlement/statements/$STATEMENT/csv" -H "$STAFF" > /tmp/tour-statement.csv
head -3 /tmp/tour-statement.csv

echo "== staff refunds the first trade in full: spent points come back, earned ones are reversed"
post "admin/payments/$PAYMENT_NO/refunds" "{\"amount\": \"$PLACED_PAY\", \"reason\": \"tour\"}" \
  -H "Authorization: Bearer $ADMIN" -H "Idempotency-Key: $KEY-refund" | json '(d["refund_no"], d["amount"], d["state"])'
for _ in $(seq 1 20); do
  REVERSED=$(curl -sf "$B/me/points/entries?kind=reverse" -H "$AUTH" | json 'd["count"]')
  [ "$REVERSED" != 0 ] && break
  sleep 0.5
done
curl -sf "$B/me/points/entries?page_size=4" -H "$AUTH" \
  | json '[(e["kind"], e["delta"], e["reference"]) for e in d["results"]]'
curl -sf "$B/me/points" -H "$AUTH" | json '(d["balance"], d["held"])'

echo "== settlement: the refund after the statement is an adjustment waiting for the next one"
for _ in $(seq 1 20); do
  ADJUSTED=$(curl -sf "$B/admin/settlement/open-lines?page_size=100" -H "$STAFF" \
    | json "len([l for l in d['results'] if l['trade_no'] == '$TRADE' and l['kind'] == 'adjustment'])")
  [ "$ADJUSTED" != 0 ] && break
  sleep 0.5
done
curl -sf "$B/admin/settlement/open-lines?page_size=100" -H "$STAFF" \
  | json "[(l['kind'], l['refund_no'], l['refunded'], l['commission_returned'], l['net_amount']) for l in d['results'] if l['trade_no'] == '$TRADE']"
echo "== after-sales: a return and refund after delivery (apply, approve, return parcel, inspection, refund)"
post orders "{\"address_id\": $ADDR, \"points\": 100, \"items\": [{\"sku_id\": $SKU1, \"quantity\": 2}]}" \
  -H "$AUTH" -H "Idempotency-Key: $KEY-as" > /tmp/tour-as.json
AS_TRADE=$(json 'd["trade_no"]' < /tmp/tour-as.json)
AS_ORDER=$(json 'd["orders"][0]["order_no"]' < /tmp/tour-as.json)
AS_PAYMENT=$(post "trades/$AS_TRADE/payments" '{"provider": "sandbox", "channel": "page"}' -H "$AUTH" \
  -H "Idempotency-Key: $KEY-as-pay" | json 'd["payment_no"]')
post "payments/sandbox/$AS_PAYMENT/pay" '{}' -H "$AUTH" >/dev/null
for _ in $(seq 1 30); do
  [ "$(curl -sf "$B/orders/$AS_ORDER" -H "$AUTH" | json 'd["status"]')" = paid ] && break
  sleep 1
done
post "admin/orders/$AS_ORDER/shipments" '{"carrier_code": "sandbox", "waybill": true}' \
  -H "Authorization: Bearer $ADMIN" >/dev/null
post "admin/orders/$AS_ORDER/deliver" '{}' -H "Authorization: Bearer $ADMIN" >/dev/null
post "orders/$AS_ORDER/confirm" '{}' -H "$AUTH" | json '"order '"$AS_ORDER"': " + d["status"]'
STOCK_BEFORE=$(curl -sf "$B/skus/availability?ids=$SKU1" | json 'd[0]["available"]')
REVERSED_BEFORE=$(curl -sf "$B/me/points/entries?kind=reverse" -H "$AUTH" | json 'd["count"]')
REQ=$(post aftersales/requests "{\"order_no\": \"$AS_ORDER\", \"sku_id\": $SKU1, \"kind\": \"return_refund\", \"quantity\": 1, \"reason_code\": \"damaged\", \"description\": \"cracked lid\"}" \
  -H "$AUTH" | json 'd["request_no"]')
curl -sf "$B/aftersales/requests/$REQ" -H "$AUTH" | json '(d["request_no"], d["kind"], d["status"], d["amount"])'
post "admin/aftersales/requests/$REQ/approve" '{"note": "send it back"}' -H "Authorization: Bearer $ADMIN" | json '"merchant: " + d["status"]'
post "aftersales/requests/$REQ/return-shipment" '{"carrier_code": "sandbox", "tracking_number": "RT'"$(date +%s)"'"}' -H "$AUTH" | json '"buyer: " + d["status"]'
post "admin/aftersales/requests/$REQ/inspect" '{"passed": true, "note": "lid cracked as described"}' -H "Authorization: Bearer $ADMIN" | json '"inspection: " + d["status"]'
for _ in $(seq 1 30); do  # the refund's result comes back through the event relay
  STATE=$(curl -sf "$B/aftersales/requests/$REQ" -H "$AUTH" | json 'd["status"]')
  [ "$STATE" = refunded ] && break
  sleep 1
done
curl -sf "$B/aftersales/requests/$REQ" -H "$AUTH" | json '[(t["to_status"], t["role"]) for t in d["timeline"]]'
[ "$STATE" = refunded ] || { echo "the after-sales refund did not complete" >&2; exit 1; }
# The demo data's requests (load_demo_data) fill the merchant's queue in several states.
curl -sf "$B/admin/aftersales/requests?page_size=50" -H "Authorization: Bearer $ADMIN" \
  | json 'sorted({(r["kind"], r["status"]) for r in d["results"]})'
curl -sf "$B/admin/aftersales/tickets" -H "Authorization: Bearer $ADMIN" \
  | json '[(t["subject"], t["status"]) for t in d["results"]]'
STOCK_AFTER=$(curl -sf "$B/skus/availability?ids=$SKU1" | json 'd[0]["available"]')
echo "stock of SKU $SKU1 available: $STOCK_BEFORE before, $STOCK_AFTER after the return"
[ "$STOCK_AFTER" -gt "$STOCK_BEFORE" ] || { echo "the returned unit was not restocked" >&2; exit 1; }
for _ in $(seq 1 20); do
  REVERSED=$(curl -sf "$B/me/points/entries?kind=reverse" -H "$AUTH" | json 'd["count"]')
  [ "$REVERSED" != "$REVERSED_BEFORE" ] && break
  sleep 0.5
done
echo "points reversal entries: $REVERSED_BEFORE before, $REVERSED after the refund"

echo "== flash sale: the session on now, a one-time purchase token, buy one unit, poll the ticket"
curl -sf "$B/flash-sessions" | json '[(s["name"], s["state"], s["ends_in_seconds"], [(i["id"], i["title"][:20], i["flash_price"], i["remaining"]) for i in s["items"]]) for s in d["sessions"]]'
ITEM=$(curl -sf "$B/flash-sessions" | json 'next(i["id"] for s in d["sessions"] if s["state"] == "ongoing" for i in s["items"] if not i["sold_out"])')
FLASH_TOKEN=$(curl -sf "$B/flash-items/$ITEM/purchase-token" -H "$AUTH" | json 'd["token"]')
ANSWER=$(curl -s -X POST "$B/flash-items/$ITEM/purchase" -H "$AUTH" -H 'Content-Type: application/json' \
  -d "{\"token\": \"$FLASH_TOKEN\", \"address_id\": $ADDR}")
TICKET=$(echo "$ANSWER" | json 'd.get("ticket_no", "")')
if [ -z "$TICKET" ]; then  # a server the tour already ran on: this buyer reached the item's limit
  echo "not bought: $(echo "$ANSWER" | json 'd["error"]["code"]')"
else
  echo "the same token again: $(curl -s -X POST "$B/flash-items/$ITEM/purchase" -H "$AUTH" -H 'Content-Type: application/json' -d "{\"token\": \"$FLASH_TOKEN\", \"address_id\": $ADDR}" | json 'd["error"]["code"]')"
  for _ in $(seq 1 20); do  # the order is created asynchronously
    STATE=$(curl -sf "$B/flash-tickets/$TICKET" -H "$AUTH" | json 'd["state"]')
    [ "$STATE" != pending ] && break
    sleep 0.5
  done
  FLASH_ORDER=$(curl -sf "$B/flash-tickets/$TICKET" -H "$AUTH" | json 'd["order_no"]')
  echo "ticket $TICKET: $STATE, order $FLASH_ORDER"
  [ "$STATE" = ordered ] || { echo "the flash order was not created" >&2; exit 1; }
  FLASH_TRADE=$(curl -sf "$B/orders/$FLASH_ORDER" -H "$AUTH" | json 'd["trade_no"]')
  curl -sf "$B/orders/$FLASH_ORDER" -H "$AUTH" | json '(d["status"], d["pay_amount"], d["payment_deadline"])'
  FLASH_PAYMENT=$(post "trades/$FLASH_TRADE/payments" '{"provider": "sandbox", "channel": "page"}' -H "$AUTH" \
    -H "Idempotency-Key: $KEY-flash" | json 'd["payment_no"]')
  post "payments/sandbox/$FLASH_PAYMENT/pay" '{}' -H "$AUTH" | json '"flash order payment: " + d["state"]'
fi

echo "== group buy: buyer1 starts a group, buyer2 joins it, both pay: the group completes and ships"
TOKEN2=$(post auth/login '{"identifier": "buyer2@example.com", "password": "buyer12345"}' | json 'd["access"]')
AUTH2="Authorization: Bearer $TOKEN2"
ADDR2=$(curl -sf "$B/me/addresses" -H "$AUTH2" | json 'd[0]["id"]')
curl -sf "$B/group-buys" | json '[(a["id"], a["name"], a["group_price"], a["price"], a["group_size"]) for a in d["results"]]'
ACTIVITY=$(curl -sf "$B/group-buys" | json 'd["results"][0]["id"]')
post "group-buys/$ACTIVITY/groups" "{\"address_id\": $ADDR}" -H "$AUTH" > /tmp/tour-group.json
GROUP=$(json 'd["group_no"]' < /tmp/tour-group.json)
GB_ORDER1=$(json 'd["order_no"]' < /tmp/tour-group.json)
GB_TRADE1=$(json 'd["trade_no"]' < /tmp/tour-group.json)
curl -sf "$B/group-buys/groups/$GROUP" | json '(d["group_no"], d["seats_left"], d["deadline"], d["share_path"], [m["name"] for m in d["members"]])'
post "group-buys/groups/$GROUP/join" "{\"address_id\": $ADDR2}" -H "$AUTH2" > /tmp/tour-join.json
GB_ORDER2=$(json 'd["order_no"]' < /tmp/tour-join.json)
GB_TRADE2=$(json 'd["trade_no"]' < /tmp/tour-join.json)
echo "a third buyer finds it full: $(curl -s -X POST "$B/group-buys/groups/$GROUP/join" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d "{\"address_id\": 1}" | json 'd["error"]["code"]')"
GB_PAY1=$(post "trades/$GB_TRADE1/payments" '{"provider": "sandbox", "channel": "page"}' -H "$AUTH" \
  -H "Idempotency-Key: $KEY-gb1" | json 'd["payment_no"]')
post "payments/sandbox/$GB_PAY1/pay" '{}' -H "$AUTH" | json '"leader paid: " + d["state"]'
sleep 1
echo "the paid leader's order waits for the group: $(curl -s -X POST "$B/admin/orders/$GB_ORDER1/shipments" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{"carrier_code": "sandbox", "waybill": true}' | json 'd["error"]["code"]')"
GB_PAY2=$(post "trades/$GB_TRADE2/payments" '{"provider": "sandbox", "channel": "page"}' -H "$AUTH2" \
  -H "Idempotency-Key: $KEY-gb2" | json 'd["payment_no"]')
post "payments/sandbox/$GB_PAY2/pay" '{}' -H "$AUTH2" | json '"member paid: " + d["state"]'
for _ in $(seq 1 20); do  # the seats count once ordering's paid events are delivered
  GROUP_STATUS=$(curl -sf "$B/group-buys/groups/$GROUP" | json 'd["status"]')
  [ "$GROUP_STATUS" = completed ] && break
  sleep 0.5
done
echo "group $GROUP: $GROUP_STATUS"
[ "$GROUP_STATUS" = completed ] || { echo "the group did not complete" >&2; exit 1; }
curl -sf "$B/group-buys/mine?page_size=1" -H "$AUTH2" | json '[(g["group_no"], g["status"], g["my_status"], [(m["name"], m["status"]) for m in g["members"]]) for g in d["results"]]'
post "admin/orders/$GB_ORDER1/shipments" '{"carrier_code": "sandbox", "waybill": true}' \
  -H "Authorization: Bearer $ADMIN" | json '"shipped: " + d["tracking_number"]'
curl -sf "$B/orders/$GB_ORDER1" -H "$AUTH" | json '(d["order_no"], d["status"], d["pay_amount"])'
echo "== membership: buyer2 is a Plus member: the same checkout ships free and costs 5% less"
MEMBER=$(post auth/login '{"identifier": "buyer2@example.com", "password": "buyer12345"}' | json 'd["access"]')
MAUTH="Authorization: Bearer $MEMBER"
curl -sf "$B/me/membership" -H "$MAUTH" | json '(d["plan"]["name"], d["state"], d["plan"]["free_shipping"], d["plan"]["member_discount_percent"])'
for WHO in "$AUTH" "$MAUTH"; do
  post checkout/preview "{\"address_id\": $(curl -sf "$B/me/addresses" -H "$WHO" | json 'd[0]["id"]'), \"items\": [{\"sku_id\": $SKU1, \"quantity\": 1}], \"coupon_ids\": []}" -H "$WHO" \
    | json '("freight", d["freight_amount"], [(a["source"], a["target"], a["amount"]) for a in d["adjustments"] if a["source"] in ("membership", "freight")], "pay", d["pay_amount"])'
done

echo "== membership: buyer3 subscribes (quarterly), pays the invoice through the sandbox"
B3=$(post auth/login '{"identifier": "buyer3@example.com", "password": "buyer12345"}' | json 'd["access"]')
B3AUTH="Authorization: Bearer $B3"
PLAN=$(curl -sf "$B/subscription/plans" | json 'next(p["id"] for p in d["results"] if p["code"] == "plus-quarterly")')
SUBSCRIBED=$(curl -s -X POST "$B/me/membership/subscribe" -H "$B3AUTH" -H 'Content-Type: application/json' -d "{\"plan_id\": $PLAN}")
INVOICE=$(echo "$SUBSCRIBED" | json '(d.get("invoice") or {}).get("invoice_no", "")')
if [ -z "$INVOICE" ]; then  # a server the tour already ran on: buyer3 is a member
  echo "not subscribed: $(echo "$SUBSCRIBED" | json 'd["error"]["code"]')"
else
  echo "$SUBSCRIBED" | json '(d["membership"]["state"], d["invoice"]["amount"], d["invoice"]["pay"]["url"])'
  MPAY=$(post "payables/subscription/$INVOICE/payments" '{"provider": "sandbox", "channel": "page"}' -H "$B3AUTH" \
    -H "Idempotency-Key: $KEY-membership" | json 'd["payment_no"]')
  post "payments/sandbox/$MPAY/pay" '{}' -H "$B3AUTH" | json '"membership payment: " + d["state"]'
  for _ in $(seq 1 20); do  # the payment event activates the membership
    MSTATE=$(curl -sf "$B/me/membership" -H "$B3AUTH" | json 'd["state"]')
    [ "$MSTATE" = active ] && break
    sleep 0.5
  done
  curl -sf "$B/me/membership" -H "$B3AUTH" | json '(d["plan"]["name"], d["state"], d["current_period_end"])'
  [ "$MSTATE" = active ] || { echo "the membership was not activated" >&2; exit 1; }
fi
