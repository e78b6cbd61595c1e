#!/usr/bin/env bash
# make install / make uninstall into a staging prefix (GNU variables,
# DESTDIR): every file where it belongs, the installed binary and man
# pages working from there, the units `systemd-analyze verify` clean
# against the installed paths, the operator's configuration kept by a
# second install and by uninstall, nothing else left behind.
. "$(dirname "$0")/lib.sh"
lib_init install

STAGE=$TMPD/stage
P=/opt/vmst
mk() { make -C "$ROOT" --no-print-directory BUILD="$BUILD" GENDIR="$TMPD/gen" prefix=$P DESTDIR="$STAGE" "$@"; }

mk install >"$TMPD/install.log" 2>&1 || die "make install failed: $(tail -3 "$TMPD/install.log")"

want="etc/vmsteer/agent.json
etc/vmsteer/exporter.env
etc/vmsteer/vmsteer.json.example
lib/systemd/system/vmsteer-exporter.service
lib/systemd/system/vmsteer.service
libexec/vmsteer/qemu-hook
sbin/vmsteer
sbin/vmsteer-agent
sbin/vmsteer-exporter
share/bash-completion/completions/vmsteer
share/man/man5/vmsteer.json.5
share/man/man8/vmsteer-agent.8
share/man/man8/vmsteer-exporter.8
share/man/man8/vmsteer.8"
got=$(cd "$STAGE$P" && find . -type f | sed 's|^\./||' | sort)
if [ "$got" = "$want" ]; then
	ok install-files
else
	fail install-files "installed: $(echo $got); expected: $(echo $want)"
fi

v=$("$STAGE$P/sbin/vmsteer" --version)
if [ "$v" = "$("$VMSTEER" --version)" ] && [[ $v == "vmsteer $(cat "$ROOT/VERSION") "* ]]; then
	ok installed-version
else
	fail installed-version "installed binary says '$v'"
fi

m8=$(MANPATH=$STAGE$P/share/man man -w vmsteer 2>&1)
m5=$(MANPATH=$STAGE$P/share/man man -w 5 vmsteer.json 2>&1)
if [ "$m8" = "$STAGE$P/share/man/man8/vmsteer.8" ] && [ "$m5" = "$STAGE$P/share/man/man5/vmsteer.json.5" ] &&
	MANPATH=$STAGE$P/share/man man vmsteer 2>/dev/null | grep -q "vmsteer $(cat "$ROOT/VERSION")"; then
	ok installed-man
else
	fail installed-man "man -w: '$m8' '$m5'"
fi

# Units name the installed paths (prefix, sysconfdir, sbindir).
u=$STAGE$P/lib/systemd/system
if grep -qx "ExecStart=$P/sbin/vmsteer-agent" "$u/vmsteer.service" &&
	grep -q "^EnvironmentFile=-$P/etc/vmsteer/exporter.env$" "$u/vmsteer-exporter.service"; then
	ok units-paths
else
	fail units-paths "$(grep -h '^Exec\|^Env' "$u"/*.service | tr '\n' ' ')"
fi

# systemd-analyze verify needs the binaries at the paths the units name:
# a second install without DESTDIR, under this test's own directory.
R=$TMPD/root
make -C "$ROOT" --no-print-directory BUILD="$BUILD" GENDIR="$TMPD/gen-root" prefix="$R" install >/dev/null 2>&1 || die "install to $R"
if command -v systemd-analyze >/dev/null; then
	out=$(MANPATH=$R/share/man systemd-analyze verify "$R"/lib/systemd/system/*.service 2>&1)
	if [ $? -eq 0 ] && [ -z "$out" ]; then
		ok units-verify
	else
		fail units-verify "$out"
	fi
else
	skip units-verify "systemd-analyze not installed"
fi

# A second install keeps an edited configuration; uninstall keeps it too
# and removes everything else.
echo 'VMSTEER_EXPORTER_ARGS="--listen=:9999"' >"$STAGE$P/etc/vmsteer/exporter.env"
mk install >/dev/null 2>&1 || die "second make install"
if grep -q 9999 "$STAGE$P/etc/vmsteer/exporter.env"; then
	ok install-keeps-config
else
	fail install-keeps-config "the edited /etc/vmsteer/exporter.env was overwritten"
fi
mk uninstall >/dev/null 2>&1 || die "make uninstall"
left=$(cd "$STAGE$P" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')
if [ "$left" = "etc/vmsteer/agent.json etc/vmsteer/exporter.env " ]; then
	ok uninstall
else
	fail uninstall "left behind: $left"
fi

lib_done
