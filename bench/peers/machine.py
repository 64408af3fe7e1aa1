"""The CPU a benchmark ran on, as its results name it: model name and the ISA flags that decide
sembed's kernels (AVX2, AVX-512, its BF16/VNNI extensions, AMX)."""
import os

ISA_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "avx_vnni", "amx_bf16",
             "amx_int8")


def cpu():
    """(model name, [ISA flags present, in ISA_FLAGS order], cores)."""
    model, flags = "?", set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and model == "?":
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    return model, [x for x in ISA_FLAGS if x in flags], os.cpu_count()
