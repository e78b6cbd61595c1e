# The report of scripts/bench_tx.sh. Input, one line per writer call:
#   round path dest size written arrived ringfull errors secs cpu
# (dest "-" for the floor). Variables: paths, sizes, rounds, xdp_why,
# who (whose CPU time: "the writer's", "vhost's worker thread's").
# Exits 1 when a path delivered under 95% of the frames written.

function med(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# Median and range of the values v[1..n] as "M (lo-hi)" with format f.
function mr(v, n, f,    m) {
	if (!n)
		return "-"
	m = med(v, n)
	return sprintf(f " (" f "-" f ")", m, v[1], v[n])
}
function has(list, x,    a, n, i) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++)
		if (a[i] == x)
			return 1
	return 0
}
# Median of the per-round ratios num/den for size s, dest d, where
# kind is "above" (ns above the floor, den must be > 0) or "raw" (ns).
function ratio(kind, num, den, s, d,    r, v, n, a, b, m) {
	n = 0
	for (r = 1; r <= rounds; r++) {
		if (kind == "above") {
			if (!((r, s) in fl) || !((r, num, d, s) in ns) || !((r, den, d, s) in ns))
				continue
			a = ns[r, num, d, s] - fl[r, s]
			b = ns[r, den, d, s] - fl[r, s]
		} else {
			if (!((r, num, d, s) in ns) || !((r, den, d, s) in ns))
				continue
			a = ns[r, num, d, s]
			b = ns[r, den, d, s]
		}
		if (b <= 0)
			continue
		v[++n] = a / b
	}
	if (!n)
		return "-"
	m = mr(v, n, "%.2f")
	sub(/ /, "x ", m)
	return m
}
function target(kind, num, den, s, d, goal,    r, v, n, a, b) {
	n = 0
	for (r = 1; r <= rounds; r++) {
		if (!((r, s) in fl) || !((r, num, d, s) in ns) || !((r, den, d, s) in ns))
			continue
		b = ns[r, den, d, s] - fl[r, s]
		if (b <= 0)
			continue
		v[++n] = (ns[r, num, d, s] - fl[r, s]) / b
	}
	if (!n)
		return ""
	return med(v, n) >= goal ? "met" : "MISSED"
}

{
	r = $1; p = $2; d = $3; s = $4
	k = p SUBSEP d SUBSEP s
	# A call where under 99% of the frames arrived does not count: a
	# path that drops looks cheap.
	if ($5 > 0 && $6 >= 0.99 * $5) {
		ns[r, p, d, s] = $10 * 1e9 / $5
		if (p == "floor")
			fl[r, s] = ns[r, p, d, s]
	} else {
		left[k]++
	}
	written[k] += $5; arrived[k] += $6; ringfull[k] += $7; errors[k] += $8
	wall[k] += $9; oncpu[k] += $10
}

END {
	np = split(paths, P, " ")
	nsz = split(sizes, S, " ")
	nd = split("vm uplink", D, " ")
	dname["vm"] = "vm-to-vm"; dname["uplink"] = "vm-to-uplink"; dname["-"] = "-"
	# The rows of the tables: size, path, destination (the floor has none).
	nrows = 0
	for (si = 1; si <= nsz; si++)
		for (pi = 1; pi <= np; pi++)
			for (di = 1; di <= (P[pi] == "floor" ? 1 : nd); di++) {
				RZ[++nrows] = S[si]; RP[nrows] = P[pi]
				RD[nrows] = P[pi] == "floor" ? "-" : D[di]
			}
	printf "\nmedians over %d rounds (low-high): %s on-CPU ns per frame, the same above the floor of the round, and frames per second of its CPU\n", rounds, who
	printf "  %5s  %-7s %-13s %-22s %-22s %s\n", "size", "path", "dest", "ns/frame", "above floor", "Mpps"
	for (row = 1; row <= nrows; row++) {
		s = RZ[row]; p = RP[row]; d = RD[row]
		n = 0; m = 0; q = 0
		for (r = 1; r <= rounds; r++) {
			if (!((r, p, d, s) in ns))
				continue
			v[++n] = ns[r, p, d, s]
			x[++q] = 1e3 / ns[r, p, d, s]
			if ((r, s) in fl)
				u[++m] = ns[r, p, d, s] - fl[r, s]
		}
		printf "  %5s  %-7s %-13s %-22s %-22s %s\n", s, p, dname[d], mr(v, n, "%.0f"), p == "floor" ? "+0" : mr(u, m, "%+.0f"), mr(x, q, "%.3f")
		delete v; delete u; delete x
	}
	printf "\nmedians of the per-round ratios (low-high):\n"
	printf "  host cost above the floor, bridge over vmsteer (goal: >= 3x), and vmsteer tc over vmsteer XDP (goal: >= 2x);\n"
	printf "  raw rate (frames per on-CPU second), vmsteer over bridge, whatever it is\n"
	for (si = 1; si <= nsz; si++) {
		s = S[si]
		for (di = 1; di <= nd; di++) {
			d = D[di]
			printf "  %5s B %-13s", s, dname[d]
			if (has(paths, "tc"))
				printf " above floor bridge/tc %s%s;", ratio("above", "bridge", "tc", s, d), has(paths, "xdp") ? "" : " [goal >= 3x: " target("above", "bridge", "tc", s, d, 3) "]"
			if (has(paths, "xdp")) {
				printf " bridge/xdp %s [goal >= 3x: %s];", ratio("above", "bridge", "xdp", s, d), target("above", "bridge", "xdp", s, d, 3)
				printf " tc/xdp %s [goal >= 2x: %s]", ratio("above", "tc", "xdp", s, d), target("above", "tc", "xdp", s, d, 2)
			}
			printf "\n  %5s   %-13s", "", ""
			if (has(paths, "tc"))
				printf " raw rate tc/bridge %s", ratio("raw", "bridge", "tc", s, d)
			if (has(paths, "xdp"))
				printf "; xdp/bridge %s; xdp/tc %s", ratio("raw", "bridge", "xdp", s, d), ratio("raw", "tc", "xdp", s, d)
			printf "\n"
		}
	}
	if (xdp_why != "")
		printf "  xdp: not available: %s\n", xdp_why
	printf "\ncross-checks, totals over all rounds (frames written, arrived: read by tapB's reader / counted by the uplink's sink / dropped by the floor):\n"
	bad = ""
	for (row = 1; row <= nrows; row++) {
		s = RZ[row]; p = RP[row]; d = RD[row]
		k = p SUBSEP d SUBSEP s
		if (!(k in written))
			continue
		pct = written[k] ? 100 * arrived[k] / written[k] : 0
		printf "  %5s B %-7s %-13s written %d, arrived %d (%.2f%%)", s, p, dname[d], written[k], arrived[k], pct
		if (d == "vm")
			printf ", tapB ring full %d", ringfull[k]
		printf ", write errors %d, on CPU %.0f%% of wall time", errors[k], 100 * oncpu[k] / wall[k]
		if (left[k])
			printf "; %d call(s) under 99%% left out of the medians", left[k]
		printf "\n"
		if (pct < 95)
			bad = bad sprintf("  FAILED: %s B %s %s: %.2f%% of the frames arrived\n", s, p, dname[d], pct)
	}
	if (bad != "") {
		printf "%s", bad
		exit 1
	}
}
