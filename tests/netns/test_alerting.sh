#!/usr/bin/env bash
# The example alerting rules and Grafana dashboard (contrib/): promtool
# accepts the rules and their unit tests pass (each alert fires on the
# series that should fire it, not on those under its threshold); every
# vmsteer metric, label and label value the rules and the dashboard's
# queries name exists in a live scrape of vmsteer-exporter over a real
# state (an uplink, a plain port and one with queue steering), so a
# renamed metric or label fails here.
. "$(dirname "$0")/lib.sh"
lib_init alerting

RULES=$ROOT/contrib/prometheus/vmsteer.rules.yml
DASH=$ROOT/contrib/grafana/vmsteer-dashboard.json
command -v promtool >/dev/null || die "promtool not installed (make deps)"
command -v curl >/dev/null || die "curl not installed (make deps)"

case=promtool-check-rules
if out=$(promtool check rules "$RULES" 2>&1); then ok $case; else fail $case "$out"; fi
case=promtool-test-rules
if out=$(cd "$ROOT/tests/prometheus" && promtool test rules vmsteer.rules.test.yml 2>&1); then ok $case; else fail $case "$(echo "$out" | tail -20)"; fi
case=dashboard-json
if jq -e '.panels | length > 0' "$DASH" >/dev/null; then ok $case; else fail $case "not a dashboard"; fi

# A live scrape.
metrics_state vmta1 vmta2
EXPORTER=$(dirname "$VMSTEER")/vmsteer-exporter
nsenter --net="/run/netns/$NS_HYP" "$EXPORTER" --pin-path "$PIN" --listen 127.0.0.1:0 </dev/null >/dev/null 2>"$TMPD/exp.err" &
LIB_PIDS+=($!)
wait_for "the exporter" grep -qs 'listening on' "$TMPD/exp.err" || die "exporter: $(cat "$TMPD/exp.err")"
addr=$(sed -n 's|.*listening on http://\([^/]*\)/.*|\1|p' "$TMPD/exp.err")
SCRAPE=$TMPD/scrape
in_hyp curl -sf -m 10 "http://$addr/metrics" | grep -v '^#' >"$SCRAPE" || die "no scrape"
grep -q '^vmsteer_up 1$' "$SCRAPE" || die "vmsteer_up is not 1: $(grep vmsteer_up "$SCRAPE")"

# Every query: the rules' expr lines, the dashboard's targets and variables.
EXPRS=$TMPD/exprs
{
	sed -n 's/^ *expr: //p' "$RULES"
	jq -r '.panels[].targets[].expr, .templating.list[].query' "$DASH"
} >"$EXPRS"

# label values of LABEL on METRIC in the scrape.
values() { grep -oE "^$1\{[^}]*\}" "$SCRAPE" | grep -oE "[{,]$2=\"[^\"]*\"" | sed 's/^.[^=]*="//; s/"$//' | sort -u; }
has_label() { grep -qE "^$1\{([^}]*,)?$2=" "$SCRAPE"; }

bad=
names=$(grep -oE 'vmsteer_[a-z_]+' "$EXPRS" | sort -u)
[ -n "$names" ] || die "no vmsteer metric in the rules and dashboard"
for m in $names; do
	grep -qE "^$m(\{| )" "$SCRAPE" || bad+="metric $m not scraped; "
done
# Selectors: METRIC{label op "value", ...}.
while IFS= read -r sel; do
	m=${sel%%\{*}
	body=${sel#*\{}
	body=${body%\}}
	while IFS= read -r mt; do
		[ -n "$mt" ] || continue
		l=$(sed -E 's/^([a-z_]+).*/\1/' <<<"$mt")
		op=$(sed -E 's/^[a-z_]+ *(=~|!~|!=|=).*/\1/' <<<"$mt")
		v=$(sed -E 's/^[^"]*"(.*)"$/\1/' <<<"$mt")
		case $l in instance | job) continue ;; esac
		if ! has_label "$m" "$l"; then
			bad+="$m has no label $l; "
		elif [ "$op" = "=" ] && ! values "$m" "$l" | grep -qxF -- "$v"; then
			bad+="$m{$l=\"$v\"}: no such value (scraped: $(values "$m" "$l" | tr '\n' ' ')); "
		elif [ "$op" = "=~" ] && ! values "$m" "$l" | grep -qxE -- "$v"; then
			bad+="$m{$l=~\"$v\"}: matches no value; "
		fi
	done < <(grep -oE '[a-z_]+ *(=~|!~|!=|=) *"[^"]*"' <<<"$body")
done < <(grep -oE 'vmsteer_[a-z_]+\{[^}]*\}' "$EXPRS" | sort -u)
# Aggregations: "by (labels) (f(METRIC" and "by (labels) (METRIC".
while IFS= read -r agg; do
	ls=$(sed -E 's/^by \(([^)]*)\).*/\1/' <<<"$agg" | tr -d ' ' | tr ',' ' ')
	m=$(grep -oE 'vmsteer_[a-z_]+' <<<"$agg")
	for l in $ls; do
		case $l in instance | job) continue ;; esac
		has_label "$m" "$l" || bad+="by ($l) over $m, which has no such label; "
	done
done < <(grep -oE 'by \([a-z_, ]+\) \(([a-z]+\()?vmsteer_[a-z_]+' "$EXPRS")
# label_values(METRIC, label) of the dashboard's variables.
while IFS= read -r lv; do
	m=$(sed -E 's/label_values\(([a-z_]+), *([a-z_]+)\)/\1/' <<<"$lv")
	l=$(sed -E 's/label_values\(([a-z_]+), *([a-z_]+)\)/\2/' <<<"$lv")
	case $l in instance | job) ;; *) has_label "$m" "$l" || bad+="label_values($m, $l): no such label; " ;; esac
done < <(grep -oE 'label_values\([a-z_]+, *[a-z_]+\)' "$EXPRS")

case=queries-match-live-scrape
if [ -z "$bad" ]; then
	ok $case
else
	fail $case "$bad"
fi

lib_done
