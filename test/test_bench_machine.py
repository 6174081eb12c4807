"""The bench's machine label names the matmul instructions: two CPUs of one model name plan at different speeds."""

import pytest
import torch

from lecun_agent.bench import machine


@pytest.mark.parametrize(
    ("avx512_bf16", "amx", "label"),
    [(False, False, None), (True, False, "AVX512-BF16"), (True, True, "AMX"), (False, True, "AMX")],
)
def test_the_cpu_label_says_which_bf16_matmuls_it_has(monkeypatch, avx512_bf16, amx, label):
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx, raising=False)
    expected = label or torch.backends.cpu.get_cpu_capability()  # AVX2, AVX512 or DEFAULT without bf16
    assert machine.matmul_isa() == expected
    assert machine.cpu_model().endswith(f" ({expected})")
    assert machine.run(quick=True, out=None)["cpu"] == machine.cpu_model()
