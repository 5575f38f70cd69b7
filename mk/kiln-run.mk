# kiln-run.mk: the compiled launcher of `kiln run` (scripts/kiln-run),
# images/host/kiln-run, which scripts/kiln starts when it is there.
# Its table of QEMU arguments is made from scripts/kiln_cli.py by
# table.py, so the launcher is rebuilt whenever kiln_cli.py changes (and
# until then hands every run to the Python code). -static: a dynamic
# link costs the launcher's start about half a millisecond.

KILN_RUN := images/host/kiln-run
KILN_RUN_OBJ := images/host/obj/kiln-run
KILN_RUN_SRCS := $(wildcard scripts/kiln-run/*.c)

$(KILN_RUN): $(KILN_RUN_SRCS) scripts/kiln-run/kiln-run.h \
		$(KILN_RUN_OBJ)/table.h mk/kiln-run.mk
	$(quiet) HOSTLD $@
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -O2 $(WARN) -static \
		-I$(KILN_RUN_OBJ) -Iscripts/kiln-run -o $@ $(KILN_RUN_SRCS)

$(KILN_RUN_OBJ)/table.h: scripts/kiln-run/table.py scripts/kiln_cli.py
	$(quiet) GEN $@
	$(Q)mkdir -p $(@D)
	$(Q)scripts/kiln-run/table.py $@
