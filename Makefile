# provtap — one entry point: build, test, bench, demo, install.
#   make            build build/provtap
#   make test       install deps, build, run unit + BPF + integration tests
#   make demo       install deps, build, run the demo testbed, print the report
#   make bench      install peers, run benchmarks (see bench/)
#   make V=1 ...    show commands
OUTPUT  := build
CLANG   ?= clang
CC      ?= gcc
BPFTOOL ?= bpftool
ARCH    := x86
PREFIX  ?= /usr/local

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

PKGS      := libbpf libelf libdeflate libpcap libcap
CFLAGS    ?= -g -O2
CFLAGS    += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
             -D_GNU_SOURCE -I. -I$(OUTPUT) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lbpf -lelf -ldeflate -lpcap -lcap)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I. -Ivmlinux/x86_64 \
              $(shell $(CLANG) -v -E - </dev/null 2>&1 | sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
LIB_SRCS  := $(wildcard common/*.c loader/*.c collector/*.c query/*.c userland/*.c)
LIB_OBJS  := $(patsubst %.c,$(OUTPUT)/%.o,$(LIB_SRCS))
CLI_SRCS  := $(wildcard cli/*.c)
CLI_OBJS  := $(patsubst %.c,$(OUTPUT)/%.o,$(CLI_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
BPFT_SRCS := $(wildcard tests/bpf/test_*.c)
BPFT_BINS := $(patsubst tests/bpf/%.c,$(OUTPUT)/tests/bpf_%,$(BPFT_SRCS))
TOOL_SRCS := $(wildcard tools/*.c)
TOOL_BINS := $(patsubst tools/%.c,$(OUTPUT)/tools/%,$(TOOL_SRCS))
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(OUTPUT)/bench/%,$(BENCH_SRCS))
TSUP_SRCS := $(wildcard tests/support/*.c)
TSUP_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(TSUP_SRCS))

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all setup test tests-build unit bpftest integration demo bench clean install vmlinux test-kernels sanitize

all: $(OUTPUT)/provtap

setup:
	$(Q)bash scripts/setup.sh

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/bpf/%.tmp.o: bpf/%.bpf.c $(wildcard bpf/*.h) | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/bpf/%.bpf.o: $(OUTPUT)/bpf/%.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUTPUT)/%.skel.h: $(OUTPUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

USER_OBJS := $(LIB_OBJS) $(CLI_OBJS) $(TSUP_OBJS) \
             $(patsubst %.c,$(OUTPUT)/%.o,$(UNIT_SRCS) $(BPFT_SRCS) $(BENCH_SRCS) $(TOOL_SRCS))

# User code may include any skeleton; generate them all first.
$(USER_OBJS): $(OUTPUT)/%.o: %.c $(SKELS) $(wildcard */*.h tests/*/*.h) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/libprovtap.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/provtap: $(CLI_OBJS) $(OUTPUT)/libprovtap.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/tests/test_%: $(OUTPUT)/tests/unit/test_%.o $(TSUP_OBJS) $(OUTPUT)/libprovtap.a | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) $(CHECK_LIBS) -o $@

$(OUTPUT)/tests/bpf_test_%: $(OUTPUT)/tests/bpf/test_%.o $(TSUP_OBJS) $(OUTPUT)/libprovtap.a | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) $(CHECK_LIBS) -o $@

$(OUTPUT)/bench/%: $(OUTPUT)/bench/%.o $(TSUP_OBJS) $(OUTPUT)/libprovtap.a
	$(call msg,BENCH,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -lpthread -o $@

# Test helpers (e.g. the NFQUEUE delay injector): standalone, own libraries.
$(OUTPUT)/tools/%: $(OUTPUT)/tools/%.o
	$(call msg,TOOL,$@)
	$(Q)$(CC) $(CFLAGS) $^ -lnetfilter_queue -lnfnetlink -lmnl -o $@

# Programs the integration tests run under the process probes (tests/progs/*.c): statically
# linked, so an exec opens no shared libraries and their FD tables hold only what they opened.
PROG_SRCS := $(wildcard tests/progs/*.c)
PROG_BINS := $(patsubst tests/progs/%.c,$(OUTPUT)/tests/progs/%,$(PROG_SRCS))
$(OUTPUT)/tests/progs/%: tests/progs/%.c $(wildcard tests/progs/*.h)
	$(call msg,STATIC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -static -pthread $< -o $@
tests-build: $(PROG_BINS)

tests-build: $(OUTPUT)/provtap $(UNIT_BINS) $(BPFT_BINS) $(TOOL_BINS) $(OUTPUT)/bench/genstore

unit: $(UNIT_BINS)
	$(Q)bash tests/run-check.sh unit $(UNIT_BINS)

bpftest: $(BPFT_BINS)
	$(Q)bash tests/run-check.sh bpf $(BPFT_BINS)

integration: $(OUTPUT)/provtap
	$(Q)bash tests/integration/run.sh

test: setup
	$(Q)$(MAKE) --no-print-directory tests-build
	$(Q)bash tests/run-all.sh

# The unit tests built with AddressSanitizer and UndefinedBehaviorSanitizer (leaks included) in
# $(OUTPUT)/san: the decoders of files users hand us (stores, .ptx, filters, vertex ids) must
# hold on anything. Alignment is not checked: records lie back to back in batches and x86 reads
# them unaligned. Not part of `make test` (about 1.5 min more on 2 CPUs); run it when touching
# a decoder. CFLAGS goes through the environment so that the flags above are appended.
SAN_CFLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize=alignment -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer
sanitize:
	$(Q)CFLAGS='$(SAN_CFLAGS)' $(MAKE) --no-print-directory OUTPUT=$(OUTPUT)/san $(OUTPUT)/san/provtap
	$(Q)CFLAGS='$(SAN_CFLAGS)' $(MAKE) --no-print-directory OUTPUT=$(OUTPUT)/san unit

demo: setup
	$(Q)$(MAKE) --no-print-directory $(OUTPUT)/provtap
	$(Q)bash scripts/demo.sh

bench: setup
	$(Q)bash scripts/setup.sh --bench
	$(Q)$(MAKE) --no-print-directory $(OUTPUT)/provtap $(BENCH_BINS)
	$(Q)bash bench/run.sh

# The BPF program tests, the feature report and a reduced integration run on a second kernel in
# qemu (tests/kernels/): Debian's linux-image-amd64 (6.1) by default, fetched into
# /var/cache/provtap/kernels; KERNEL=/path/vmlinuz [KMODS=/path/lib/modules/VERSION] boots another.
KERNEL ?=
KMODS  ?=
$(OUTPUT)/kernels/ptgen: tests/kernels/ptgen.c
	$(call msg,STATIC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -static $< -o $@

test-kernels: setup
	$(Q)bash scripts/setup.sh --kernels
	$(Q)$(MAKE) --no-print-directory $(OUTPUT)/provtap $(BPFT_BINS) $(OUTPUT)/kernels/ptgen
	$(Q)OUTPUT=$(OUTPUT) KERNEL=$(KERNEL) KMODS=$(KMODS) bash tests/kernels/run.sh

vmlinux:
	$(Q)bash scripts/gen-vmlinux.sh

install: $(OUTPUT)/provtap
	install -D -m 0755 $(OUTPUT)/provtap $(DESTDIR)$(PREFIX)/sbin/provtap

clean:
	$(Q)rm -rf $(OUTPUT)
