"""Training over several processes, measured: DeepSpeed ZeRO on paper and for real (lesson 08).

- `zero`: ZeRO's per-GPU model-state formulas, communication volume, DeepSpeed's own estimators,
  and a probe rank's measured bytes beside the formula's.
- `probe`: DeepSpeed ZeRO 0-3 run as CPU processes (torchrun, gloo) measuring each rank's bytes and
  collectives; `run_zero_probe()` launches it.
- `launch`: lesson 03's SFT under DeepSpeed with a configs/zero*.json, for torchrun, deepspeed or
  accelerate on several GPUs or nodes; `run_sft_launch()` runs it here.
- `torchrun`: starting local multi-process runs and reading why one failed.
"""
