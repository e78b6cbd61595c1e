# make deb: the Debian package (debian/), built from a copy of the tree's
# files (committed or not, .gitignore'd ones left out) under
# $(BUILD)/deb, where the .deb lands; lintian checks it.

DEB_DIR := $(BUILD)/deb
DEB_SRC := $(DEB_DIR)/vmsteer-$(VERSION)

.PHONY: deb
deb:
	$(Q)v=$$(dpkg-parsechangelog -S Version); [ "$$v" = "$(VERSION)" ] || \
		{ echo "debian/changelog is at $$v, VERSION at $(VERSION): add a changelog entry (dch -v $(VERSION))" >&2; exit 1; }
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_SRC)
	$(Q)git ls-files -co --exclude-standard -z | \
		xargs -0 cp --parents -t $(DEB_SRC) 2>/dev/null || \
		{ echo "make deb: cannot copy the tree (git ls-files)" >&2; exit 1; }
	$(call msg,DEB,$(DEB_DIR))
	$(Q)cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b -j2 >../build.log 2>&1 || \
		{ tail -30 $(DEB_DIR)/build.log >&2; exit 1; }
	$(Q)rm -rf $(DEB_SRC)
	$(Q)lintian --fail-on error,warning $(DEB_DIR)/*.changes
	$(Q)ls $(DEB_DIR)/*.deb
