# make install / make uninstall, with the GNU directory variables:
#   make install prefix=/usr sysconfdir=/etc DESTDIR=/tmp/stage
# PREFIX is accepted for prefix. Installs the binaries (sbin), the man
# pages, bash completion, systemd units, the example configuration
# (never over an edited one) and, when present, the libvirt hook.

PREFIX		?= /usr/local
prefix		?= $(PREFIX)
exec_prefix	?= $(prefix)
sbindir		?= $(exec_prefix)/sbin
datarootdir	?= $(prefix)/share
mandir		?= $(datarootdir)/man
man5dir		?= $(mandir)/man5
man8dir		?= $(mandir)/man8
libexecdir	?= $(exec_prefix)/libexec
sysconfdir	?= $(if $(filter /usr,$(prefix)),/etc,$(prefix)/etc)
bashcompdir	?= $(datarootdir)/bash-completion/completions
systemdunitdir	?= $(if $(filter /usr,$(prefix)),/lib/systemd/system,$(prefix)/lib/systemd/system)
INSTALL		?= install
# Where the files made from templates go (tests give their own, so that
# two installs with different directories never share them).
GENDIR		?= $(BUILD)

# Binaries to install: those the build makes (vmsteer-exporter and
# vmsteer-agent must sit beside vmsteer, which runs them for `vmsteer
# exporter` and `vmsteer agent`).
INSTALL_BINS	:= $(PROGS)
# Files made from a template: paths and version filled in.
GEN_DOCS	:= $(GENDIR)/doc/vmsteer.8 $(GENDIR)/doc/vmsteer.json.5
GEN_UNITS	:= $(GENDIR)/systemd/vmsteer.service \
		   $(GENDIR)/systemd/vmsteer-exporter.service
# libvirt's qemu hook, for hosts without the agent: installed, not
# enabled (a link in /etc/libvirt/hooks/qemu.d enables it).
LIBVIRT_HOOK	:= scripts/libvirt/qemu-hook

SUBST = sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@sbindir@|$(sbindir)|g' \
	-e 's|@sysconfdir@|$(sysconfdir)|g' \
	-e 's|@systemdunitdir@|$(systemdunitdir)|g' \
	-e 's|@libexecdir@|$(libexecdir)|g'

# The exporter's capabilities, one place (tests/netns/test_units.sh
# proves each is needed and that no other is). None: it reads the pins
# (file permissions) and tells vmsteer's tap program by the pinned
# program's id, which takes no capability.
EXPORTER_CAPS :=

# Regenerated when a directory variable changes: their values, recorded.
INSTALL_VARS := $(VERSION) $(sbindir) $(sysconfdir) $(systemdunitdir) \
	$(libexecdir) $(EXPORTER_CAPS)
$(GENDIR)/install.vars: FORCE | $(GENDIR)/doc
	$(Q)echo '$(INSTALL_VARS)' | cmp -s - $@ || echo '$(INSTALL_VARS)' > $@
.PHONY: FORCE
FORCE:

$(GENDIR)/doc/%: doc/% $(GENDIR)/install.vars | $(GENDIR)/doc
	$(call msg,GEN,$@)
	$(Q)$(SUBST) $< > $@

$(GENDIR)/systemd/%: systemd/%.in $(GENDIR)/install.vars | $(GENDIR)/systemd
	$(call msg,GEN,$@)
	$(Q)$(SUBST) -e 's|@EXPORTER_CAPS@|CapabilityBoundingSet=$(EXPORTER_CAPS)|' $< > $@

$(GENDIR)/doc $(GENDIR)/systemd:
	$(Q)mkdir -p $@

.PHONY: install install-files uninstall
install-files: $(INSTALL_BINS) $(GEN_DOCS) $(GEN_UNITS)

install: install-files
	$(INSTALL) -d $(DESTDIR)$(sbindir) $(DESTDIR)$(man5dir) \
		$(DESTDIR)$(man8dir) $(DESTDIR)$(bashcompdir) \
		$(DESTDIR)$(systemdunitdir) $(DESTDIR)$(sysconfdir)/vmsteer
	$(INSTALL) -m 0755 $(INSTALL_BINS) $(DESTDIR)$(sbindir)/
	$(INSTALL) -m 0644 $(GENDIR)/doc/vmsteer.8 $(DESTDIR)$(man8dir)/
	$(INSTALL) -m 0644 doc/vmsteer-exporter.8 doc/vmsteer-agent.8 $(DESTDIR)$(man8dir)/
	$(INSTALL) -m 0644 $(GENDIR)/doc/vmsteer.json.5 $(DESTDIR)$(man5dir)/
	$(INSTALL) -m 0644 completion/vmsteer.bash $(DESTDIR)$(bashcompdir)/vmsteer
	$(INSTALL) -m 0644 $(GEN_UNITS) $(DESTDIR)$(systemdunitdir)/
	$(INSTALL) -m 0644 etc/vmsteer.json.example $(DESTDIR)$(sysconfdir)/vmsteer/
	[ -e $(DESTDIR)$(sysconfdir)/vmsteer/exporter.env ] || \
		$(INSTALL) -D -m 0644 etc/exporter.env $(DESTDIR)$(sysconfdir)/vmsteer/exporter.env
	[ -e $(DESTDIR)$(sysconfdir)/vmsteer/agent.json ] || \
		$(INSTALL) -m 0644 etc/agent.json $(DESTDIR)$(sysconfdir)/vmsteer/agent.json
	$(INSTALL) -D -m 0755 $(LIBVIRT_HOOK) $(DESTDIR)$(libexecdir)/vmsteer/qemu-hook

# Leaves the operator's configuration in place.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(sbindir)/,$(notdir $(INSTALL_BINS))) \
		$(DESTDIR)$(man8dir)/vmsteer.8 $(DESTDIR)$(man8dir)/vmsteer-exporter.8 \
		$(DESTDIR)$(man8dir)/vmsteer-agent.8 \
		$(DESTDIR)$(man5dir)/vmsteer.json.5 \
		$(DESTDIR)$(bashcompdir)/vmsteer \
		$(addprefix $(DESTDIR)$(systemdunitdir)/,$(notdir $(GEN_UNITS))) \
		$(DESTDIR)$(libexecdir)/vmsteer/qemu-hook \
		$(DESTDIR)$(sysconfdir)/vmsteer/vmsteer.json.example
