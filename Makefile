# vmsteer build. Everything is produced under $(BUILD); `make V=1` shows
# the commands. BPF objects are embedded in the binaries via bpftool
# skeletons, so the programs in $(BUILD) (PROGS: `vmsteer`, and
# `vmsteer-exporter` and `vmsteer-agent`, which must be installed beside
# it) are the only artefacts to install: `make install` (mk/install.mk)
# installs them with the man pages, completion and units.

BUILD	?= build
CLANG	?= clang
BPFTOOL	?= bpftool
CC	?= gcc
PKG_CONFIG ?= pkg-config

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' \
	-e 's/ppc64le/powerpc/' -e 's/s390x/s390/')
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN	:= -Wall -Wextra -Werror -Wimplicit-fallthrough
CFLAGS	?= -O2 -g
# Tracepoint programs must name every argument of the tracepoint, used or
# not: unused parameters are expected there.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) \
	-Wno-unused-parameter -I. -Iinclude -Ibpf -MMD -MP
USER_CFLAGS = $(CPPFLAGS) $(CFLAGS) $(WARN) -std=gnu11 -Iinclude -Iuser -I$(BUILD) \
	-MMD -MP -DVMSTEER_VERSION='"$(VERSION)"' \
	$(shell $(PKG_CONFIG) --cflags libbpf json-c libmicrohttpd libmnl 2>/dev/null)
# The CLI does not link libmicrohttpd: only vmsteer-exporter does.
LDLIBS	= $(shell $(PKG_CONFIG) --libs libbpf json-c libmnl yajl 2>/dev/null || \
	echo -lbpf -ljson-c -lmnl -lyajl) -lelf -lz
EXPORTER_LDLIBS = $(LDLIBS) $(shell $(PKG_CONFIG) --libs libmicrohttpd \
	2>/dev/null || echo -lmicrohttpd)
# libpcap (dbus, systemd with it) is dlopen'ed by monitor --pcap only;
# the test tools link it.
TEST_LDLIBS = $(LDLIBS) -lpcap

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# BPF entry programs: one skeleton each.
BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS	  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

# User space, one folder a layer (README "Layout"): cli/main.c and
# cli/cmd_*.c make the CLI, metrics/exporter.c the exporter; the rest is a
# library that the tests link too.
USER_DIRS := cli core load util config metrics
CLI_SRCS  := user/cli/main.c $(wildcard user/cli/cmd_*.c)
EXPORTER_SRCS := user/metrics/exporter.c
LIB_SRCS  := $(filter-out $(CLI_SRCS) $(EXPORTER_SRCS),\
	$(foreach d,$(USER_DIRS),$(wildcard user/$(d)/*.c)))
CLI_OBJS  := $(patsubst user/%.c,$(BUILD)/user/%.o,$(CLI_SRCS))
EXPORTER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(EXPORTER_SRCS))
PROGS	  := $(BUILD)/vmsteer $(BUILD)/vmsteer-exporter
LIB_OBJS  := $(patsubst user/%.c,$(BUILD)/user/%.o,$(LIB_SRCS))
LIBVMS	  := $(BUILD)/libvmsteer.a

# The agent (user/agent/): its own binary, the only one linked with
# libvirt and libxml2; `vmsteer agent` runs it.
AGENT_SRCS := $(wildcard user/agent/*.c)
AGENT_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(AGENT_SRCS))
AGENT_BIN  := $(BUILD)/vmsteer-agent
AGENT_CFLAGS = $(shell $(PKG_CONFIG) --cflags libvirt libxml-2.0 2>/dev/null || \
	echo -I/usr/include/libxml2)
AGENT_LDLIBS = $(shell $(PKG_CONFIG) --libs libvirt libxml-2.0 2>/dev/null || \
	echo -lvirt -lxml2)
PROGS	   += $(AGENT_BIN)

# Test and bench programs: tests/<dir>/*.c, test-only BPF in tests/bpf.
TEST_BPF_SRCS := $(wildcard tests/bpf/*.bpf.c)
TEST_BPF_OBJS := $(patsubst tests/bpf/%.bpf.c,$(BUILD)/tests/bpf/%.bpf.o,$(TEST_BPF_SRCS))
TEST_SKELS    := $(patsubst tests/bpf/%.bpf.c,$(BUILD)/%.skel.h,$(TEST_BPF_SRCS))
UNIT_SRCS     := $(wildcard tests/unit/*.c)
UNIT_BIN      := $(BUILD)/tests/unit_tests
TOOL_SRCS     := $(wildcard tests/tools/*.c)
TOOL_BINS     := $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(TOOL_SRCS))
BENCH_SRCS    := $(wildcard tests/bench/*.c)
BENCH_BIN     := $(BUILD)/tests/vmsteer-bench

.PHONY: all test test-full test-progs unit netns bench demo clean vmlinux deps format check-format
.DEFAULT_GOAL := all
# Keep BPF objects and skeletons: they are chained intermediates.
.SECONDARY:

all: $(PROGS)

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c vmlinux.h | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/tests/bpf/%.bpf.o: tests/bpf/%.bpf.c vmlinux.h | $(BUILD)/tests/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/%.skel.h: $(BUILD)/tests/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

# User objects may include any skeleton: build them all first.
$(BUILD)/user/%.o: user/%.c $(SKELS) | $(BUILD)/user
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/user/agent/%.o: user/agent/%.c $(SKELS) | $(BUILD)/user/agent
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(AGENT_CFLAGS) -c $< -o $@

$(AGENT_BIN): $(AGENT_OBJS) $(LIBVMS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(AGENT_LDLIBS)

$(LIBVMS): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/vmsteer: $(CLI_OBJS) $(LIBVMS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/vmsteer-exporter: $(EXPORTER_OBJS) $(LIBVMS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(EXPORTER_LDLIBS)

$(BUILD)/tests/%.o: tests/%.c $(SKELS) $(TEST_SKELS) | $(BUILD)/tests/unit $(BUILD)/tests/tools $(BUILD)/tests/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Itests -c $< -o $@

# --wrap: tests/unit/objdir.c (VMSTEER_TEST_BPF_DIR, for tests/compilers.sh).
$(UNIT_BIN): $(patsubst tests/%.c,$(BUILD)/tests/%.o,$(UNIT_SRCS)) $(LIBVMS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Wl,--wrap=bpf_object__open_skeleton -o $@ $^ $(TEST_LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/tools/%.o $(LIBVMS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(TEST_LDLIBS)

$(BENCH_BIN): $(patsubst tests/%.c,$(BUILD)/tests/%.o,$(BENCH_SRCS)) $(LIBVMS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(TEST_LDLIBS)

$(BUILD)/bpf $(BUILD)/user $(BUILD)/user/agent $(BUILD)/tests/bpf $(BUILD)/tests/unit $(BUILD)/tests/tools $(BUILD)/tests/bench $(BUILD)/tests/crash $(BUILD)/tests/hooks:
	$(Q)mkdir -p $@

test-progs: $(PROGS) $(UNIT_BIN) $(TOOL_BINS) $(BENCH_BIN)

# Every BPF object, the test-only ones too (tests/compilers.sh builds them
# with each supported clang).
.PHONY: bpf-objs
bpf-objs: $(BPF_OBJS) $(TEST_BPF_OBJS)

# Test-only objects every verifier refuses, on purpose (no skeleton).
BROKEN_BPF_OBJS := $(patsubst tests/bpf/broken/%.bpf.c,$(BUILD)/tests/bpf/broken/%.bpf.o,$(wildcard tests/bpf/broken/*.bpf.c))
$(BUILD)/tests/bpf/broken/%.bpf.o: tests/bpf/broken/%.bpf.c vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(BPF_CFLAGS) -c $< -o $@
test-progs: $(BROKEN_BPF_OBJS)

# The CLI with crash points (tests/crash/crashpoint.c): a test-only build
# that SIGKILLs itself before a chosen write to the state (map writes, link
# operations, tc qdisc and filter changes), for tests/netns/test_crash.sh.
CRASH_BIN := $(BUILD)/tests/vmsteer-crash
comma := ,
CRASH_WRAP := $(patsubst %,-Wl$(comma)--wrap=%,bpf_map_update_elem \
	bpf_map_delete_elem bpf_link_create bpf_link_update bpf_link_detach \
	bpf_obj_pin bpf_link__pin vms_nl_change)

$(BUILD)/tests/crash/%.o: tests/crash/%.c | $(BUILD)/tests/crash
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(CRASH_BIN): $(CLI_OBJS) $(BUILD)/tests/crash/crashpoint.o $(LIBVMS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(CRASH_WRAP) -o $@ $^ $(TEST_LDLIBS)

test-progs: $(CRASH_BIN)

# The CLI with test hooks (tests/hooks/objfile.c): it loads the BPF objects
# that $VMSTEER_TEST_*_OBJ name, for test_upgrade.sh and test_tx_tc.sh.
# vmsteer itself has no such hook: a root CLI that hooks and services run
# takes no code from its environment.
HOOKS_BIN := $(BUILD)/tests/vmsteer-hooks

$(BUILD)/tests/hooks/%.o: tests/hooks/%.c | $(BUILD)/tests/hooks
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(HOOKS_BIN): $(CLI_OBJS) $(BUILD)/tests/hooks/objfile.o $(LIBVMS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(TEST_LDLIBS)

test-progs: $(HOOKS_BIN)

# "Another build" of the programs the upgrade tests load through the CLI
# with test hooks: PROG-N is bpf/PROG.bpf.c built with -DVMST_TEST_VARIANT=N
# (one dead instruction: another kernel tag, the same behaviour), once
# here for every test file (tests/netns/lib.sh's build_variant) and for
# the kernel matrix's guests, which would compile them slowly.
TEST_VARIANTS := uplink-1 uplink-2 uplink-3 trace-1 trace-2 trace-3 \
	tap-1 uplink_tc-1 tap_xdp-1 tap_xdp-2
define variant_rule
$(BUILD)/tests/variants/$(1)-$(2).bpf.o: bpf/$(1).bpf.c vmlinux.h
	$$(call msg,BPF,$$@)
	$$(Q)mkdir -p $$(@D) && $$(CLANG) $$(BPF_CFLAGS) -DVMST_TEST_VARIANT=$(2) -c $$< -o $$@
endef
$(foreach v,$(TEST_VARIANTS),$(eval $(call variant_rule,$(firstword $(subst -, ,$(v))),$(lastword $(subst -, ,$(v))))))
test-progs: $(patsubst %,$(BUILD)/tests/variants/%.bpf.o,$(TEST_VARIANTS))

# libFuzzer harness of the config parser (clang, libclang-rt-14-dev).
# `make fuzz` runs it for FUZZ_SECS; tests/netns/test_fuzz_config.sh runs a
# short bounded session. New inputs go to $(BUILD)/fuzz, not the seeds;
# crash-*, leak-* and other artefacts of every fuzzer run to
# $(FUZZ_ARTIFACTS), never into the source tree.
FUZZ_SECS   ?= 60
FUZZ_ARTIFACTS := $(BUILD)/fuzz/artifacts
FUZZ_CONFIG := $(BUILD)/tests/fuzz_config
FUZZ_CFLAGS  = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined $(WARN) -std=gnu11 -Iinclude -Iuser \
	-I$(BUILD) $(shell $(PKG_CONFIG) --cflags libbpf json-c 2>/dev/null)

$(FUZZ_CONFIG): tests/fuzz/fuzz_config.c user/config/config.c user/util/log.c user/util/netdev.c $(LIBVMS) | $(BUILD)/tests/unit
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $^ $(TEST_LDLIBS)

# libFuzzer harness of the uplink XDP program against the reference model
# (BPF_PROG_TEST_RUN; root, run in its own netns). Seeds are written by the
# harness itself from the tcpdump corpus and built frames.
FUZZ_PACKET := $(BUILD)/tests/fuzz_packet
FUZZ_PACKET_SRCS := tests/fuzz/fuzz_packet.c tests/fuzz/fuzzlib.c \
	tests/unit/refmodel.c tests/unit/frames.c tests/unit/corpus.c

$(FUZZ_PACKET): $(FUZZ_PACKET_SRCS) $(LIBVMS) $(SKELS) | $(BUILD)/tests/unit
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -Itests -o $@ $(FUZZ_PACKET_SRCS) $(LIBVMS) $(TEST_LDLIBS)

# The same for the tap program (transmit path) and the uplink tc program
# against their models; test-only wrappers of their sources
# (tests/bpf/*_observe.bpf.c) show the redirect target and the tag pushed.
FUZZ_TAP := $(BUILD)/tests/fuzz_tap
FUZZ_TAP_SRCS := tests/fuzz/fuzz_tap.c tests/fuzz/fuzzlib.c \
	tests/unit/refmodel_tx.c tests/unit/refmodel.c tests/unit/corpus.c

$(FUZZ_TAP): $(FUZZ_TAP_SRCS) $(LIBVMS) $(SKELS) $(TEST_SKELS) | $(BUILD)/tests/unit
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -Itests -o $@ $(FUZZ_TAP_SRCS) $(LIBVMS) $(TEST_LDLIBS)

test-progs: $(FUZZ_CONFIG) $(FUZZ_PACKET) $(FUZZ_TAP)

.PHONY: fuzz fuzz-config fuzz-packet fuzz-tap
fuzz: fuzz-config fuzz-packet fuzz-tap
fuzz-config: $(FUZZ_CONFIG)
	$(Q)mkdir -p $(BUILD)/fuzz/config $(FUZZ_ARTIFACTS)
	$(Q)$(FUZZ_CONFIG) -max_total_time=$(FUZZ_SECS) -max_len=4096 \
		-dict=tests/fuzz/config.dict \
		-artifact_prefix=$(FUZZ_ARTIFACTS)/config- \
		$(BUILD)/fuzz/config tests/fuzz/corpus
# New inputs accumulate in $(BUILD)/fuzz/packet across runs.
fuzz-packet: $(FUZZ_PACKET)
	$(Q)mkdir -p $(BUILD)/fuzz/packet-seeds $(BUILD)/fuzz/packet $(FUZZ_ARTIFACTS)
	$(Q)[ -e $(BUILD)/fuzz/packet-seeds/seed-00000 ] || \
		VMSTEER_FUZZ_SEEDS=$(BUILD)/fuzz/packet-seeds $(FUZZ_PACKET)
	$(Q)unshare -n $(FUZZ_PACKET) -max_total_time=$(FUZZ_SECS) \
		-max_len=9217 -artifact_prefix=$(FUZZ_ARTIFACTS)/packet- \
		$(BUILD)/fuzz/packet $(BUILD)/fuzz/packet-seeds
fuzz-tap: $(FUZZ_TAP)
	$(Q)mkdir -p $(BUILD)/fuzz/tap-seeds $(BUILD)/fuzz/tap $(FUZZ_ARTIFACTS)
	$(Q)[ -e $(BUILD)/fuzz/tap-seeds/seed-00000 ] || \
		VMSTEER_FUZZ_SEEDS=$(BUILD)/fuzz/tap-seeds $(FUZZ_TAP)
	$(Q)unshare -n $(FUZZ_TAP) -max_total_time=$(FUZZ_SECS) \
		-max_len=4098 -artifact_prefix=$(FUZZ_ARTIFACTS)/tap- \
		$(BUILD)/fuzz/tap $(BUILD)/fuzz/tap-seeds

# The CLI under AddressSanitizer and UBSan, in $(BUILD)/asan/vmsteer, for
# tests/netns/test_sanitize.sh (which runs the CLI tests through it).
ASAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
.PHONY: asan
asan: $(BUILD)/asan/vmsteer
$(BUILD)/asan/vmsteer: $(wildcard user/*.h user/*/*.c user/*/*.h include/*.h bpf/*.c bpf/lib/*.h)
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/asan \
		CFLAGS="$(ASAN_CFLAGS)" $(BUILD)/asan/vmsteer \
		$(BUILD)/asan/vmsteer-exporter $(BUILD)/asan/vmsteer-agent \
		$(BUILD)/asan/tests/vmsteer-hooks
test-progs: $(BUILD)/asan/vmsteer

# The suite: unit tests, then the network-namespace test files, several
# at a time (tests/run.sh; TEST_JOBS). test-full is the long run: every
# crash point, the sanitizer over every CLI test (VMSTEER_TEST_FULL=1).
# The test programs build on every CPU unless -j was given (CI runs a
# plain `make test`: a serial build took a minute of its time).
TEST_BUILD_J = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc))
test: deps
	$(Q)$(MAKE) --no-print-directory $(TEST_BUILD_J) test-progs
	$(Q)BUILD=$(BUILD) tests/run.sh

test-full: deps
	$(Q)$(MAKE) --no-print-directory $(TEST_BUILD_J) test-progs
	$(Q)BUILD=$(BUILD) VMSTEER_TEST_FULL=1 tests/run.sh

unit: test-progs
	$(Q)BUILD=$(BUILD) tests/run.sh unit

netns: test-progs
	$(Q)BUILD=$(BUILD) tests/run.sh netns

# make bench BENCH="rx tx cp": the sections to run (BENCHMARKS.md);
# tx-vhost (not in the default set: it boots a 6.1 guest where the host
# has no vhost-net) is the transmit bench driven through vhost-net.
BENCH ?= rx tx cp
bench: deps
	$(Q)for s in $(BENCH); do case $$s in rx|tx|cp|tx-vhost) ;; *) \
		echo "make bench: unknown section '$$s' in BENCH (rx, tx, cp, tx-vhost)" >&2; \
		exit 2;; esac; done
	$(Q)$(MAKE) --no-print-directory $(PROGS) $(BENCH_BIN) $(TOOL_BINS) \
		$(if $(filter tx-vhost,$(BENCH)),test-progs)
	$(Q)set -e; for s in $(BENCH); do case $$s in \
		rx) BUILD=$(BUILD) scripts/bench.sh;; \
		tx) BUILD=$(BUILD) scripts/bench_tx.sh;; \
		tx-vhost) BUILD=$(BUILD) scripts/bench_tx_vhost.sh;; \
		cp) BUILD=$(BUILD) scripts/bench_cp.sh;; esac; echo; done

demo: deps
	$(Q)$(MAKE) --no-print-directory $(PROGS) $(TOOL_BINS)
	$(Q)BUILD=$(BUILD) scripts/demo.sh

# The same with a real guest under libvirt (scripts/demo-vm.sh, ~1 minute).
.PHONY: demo-vm
demo-vm: deps
	$(Q)$(MAKE) --no-print-directory $(PROGS) $(TOOL_BINS)
	$(Q)BUILD=$(BUILD) scripts/demo-vm.sh

deps:
	$(Q)scripts/install-deps.sh

# Regenerate vmlinux.h from the running kernel; rewrite it only if changed.
vmlinux:
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(BUILD)/vmlinux.h.tmp 2>/dev/null || \
		{ mkdir -p $(BUILD) && $(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(BUILD)/vmlinux.h.tmp; }
	$(Q)if cmp -s $(BUILD)/vmlinux.h.tmp vmlinux.h; then echo "vmlinux.h unchanged"; rm -f $(BUILD)/vmlinux.h.tmp; \
		else mv $(BUILD)/vmlinux.h.tmp vmlinux.h; echo "vmlinux.h updated"; fi

FORMAT_SRCS = $(shell git ls-files -co --exclude-standard '*.c' '*.h' 2>/dev/null | grep -v '^vmlinux.h$$')
format:
	$(Q)clang-format -i $(FORMAT_SRCS)

check-format:
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRCS)

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

include mk/install.mk mk/deb.mk

-include $(wildcard $(BUILD)/bpf/*.d $(BUILD)/user/*/*.d $(BUILD)/tests/*/*.d $(BUILD)/tests/bpf/*.d $(BUILD)/tests/bpf/broken/*.d)
