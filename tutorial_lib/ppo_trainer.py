"""The PPO loop for a language model: rollout, score, shape rewards with the KL penalty, GAE,
clipped updates.

Every step of the algorithm is a function from tutorial_lib.ppo; this module only runs them in
order on real models and keeps the books. One PPO step is:

1. rollout: sample a response to each prompt from the policy (temperature 1, no top-k/top-p);
2. score: the reward function rates each (prompt, response); the policy (log-probs and values,
   before any update) and the frozen reference (log-probs) read every response once;
3. per-token rewards -beta * KL, plus the score on the last token; GAE advantages and returns;
   whitened advantages;
4. ppo_epochs passes over the batch in minibatches: clipped policy loss + vf_coef * clipped value
   loss - ent_coef * entropy, one AdamW step per minibatch;
5. the KL controller moves beta towards the target KL (if adaptive).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .checkpoints import TRAIN, SkipAhead, load_run, save_run
from .errors import CourseError
from .memory import PeakMemory, release_memory
from .ppo import (
    PolicyWithValue,
    PPOConfig,
    entropy_from_logits,
    gae,
    kl_controller,
    kl_k3,
    logprobs_from_logits,
    masked_whiten,
    per_token_rewards,
    policy_loss,
    response_mask,
    value_loss,
)
from .rollouts import (
    RewardFn,
    eos_ids,
    reference_context,
    reference_logprobs,
    sample,
)
from .training import RunResult


@dataclass
class Rollout:
    """One batch of sampled responses and everything PPO needs about them, shapes (batch, ...) on
    the model's device."""

    prompts: list[str]  # the user prompts, before the chat template
    texts: list[str]  # the decoded responses
    query: torch.Tensor  # (B, P) chat-formatted prompt ids, left-padded to one length P
    query_mask: torch.Tensor  # (B, P) 1 on real prompt tokens
    response: torch.Tensor  # (B, R) sampled ids; after the first EOS, padding
    mask: torch.Tensor  # (B, R) float, 1 up to and including the first EOS
    # (B, R) log pi_old(y_t): the policy's log-probs before this step's updates
    logprobs: torch.Tensor
    ref_logprobs: torch.Tensor  # (B, R) log ref(y_t)
    values: torch.Tensor  # (B, R) the value head's predictions before the updates
    scores: torch.Tensor  # (B,) the reward function's score of each response
    # mean entropy (nats) of the policy's next-token distributions over the response tokens
    entropy: float

    @property
    def input_ids(self) -> torch.Tensor:
        """Return prompt + response ids, shape (B, P + R)."""
        return torch.cat([self.query, self.response], dim=1)

    @property
    def attention_mask(self) -> torch.Tensor:
        """Return the attention mask of input_ids: prompt padding and the padding after each EOS are
        0."""
        return torch.cat([self.query_mask, self.mask.long()], dim=1)


class PPOTrainer:
    """The course's PPO for a causal LM: policy + value head, a frozen reference, and a reward
    function.

    policy: a causal LM (a peft LoRA model keeps the reference free: the same weights with the
    adapter disabled); reward_fn(prompts=[...], completions=[...]) returns one score per completion
    (see preference_optimization.reward_function); ref_model: a frozen copy of the starting policy,
    or None for a peft policy.
    """

    def __init__(
        self,
        policy: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        reward_fn: RewardFn,
        config: PPOConfig,
        ref_model: PreTrainedModel | None = None,
        seed: int = 0,
        skip_ahead: SkipAhead = TRAIN,
    ) -> None:
        if config.batch_size % config.minibatch_size:
            raise CourseError(
                f"batch_size {config.batch_size} is not a multiple of minibatch_size "
                f"{config.minibatch_size}; "
                "make it one, so every rollout is used once per epoch."
            )
        # fails early when there is no way to compute the reference
        reference_context(policy, ref_model)
        if ref_model is not None:
            ref_model.requires_grad_(False).eval()
        # eval: no dropout, so rollout and update see the same function
        self.model = PolicyWithValue(policy).eval()
        self.tokenizer, self.reward_fn, self.config, self.ref_model = (
            tokenizer,
            reward_fn,
            config,
            ref_model,
        )
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(self.params, lr=config.lr)
        self.kl_ctl = kl_controller(config)
        self.generator = torch.Generator().manual_seed(seed)
        self.seed, self.skip_ahead = seed, skip_ahead
        self.history: list[dict[str, float]] = []  # one dict of statistics per step
        self.eos_ids = eos_ids(policy, tokenizer)

    @torch.no_grad()
    def rollout(self, prompts: Sequence[str]) -> tuple[Rollout, dict[str, float]]:
        """Return the batch's rollout (sample, score, read by policy and reference) and the seconds
        each part took."""
        cfg, lm = self.config, self.model.lm
        start = time.perf_counter()
        query, query_mask, response = sample(
            lm, self.tokenizer, prompts, cfg.max_new_tokens, cfg.temperature, cfg.top_k, cfg.top_p
        )
        mask = response_mask(response, self.eos_ids)
        generated = time.perf_counter()
        texts = self.tokenizer.batch_decode(response * mask.long(), skip_special_tokens=True)
        scores = torch.tensor(
            self.reward_fn(prompts=list(prompts), completions=texts), dtype=torch.float32
        )
        ids, attention = torch.cat([query, response], 1), torch.cat([query_mask, mask.long()], 1)
        logits, values = self.model(ids, attention, query.shape[1])
        ref_logprobs = reference_logprobs(lm, self.ref_model, ids, attention, query.shape[1])
        rollout = Rollout(
            prompts=list(prompts),
            texts=[t.strip() for t in texts],
            query=query,
            query_mask=query_mask,
            response=response,
            mask=mask,
            logprobs=logprobs_from_logits(logits, response),
            ref_logprobs=ref_logprobs,
            values=values.float(),
            scores=scores.to(query.device),
            entropy=float(entropy_from_logits(logits, mask)),
        )
        return rollout, {
            "generate_s": generated - start,
            "score_s": time.perf_counter() - generated,
        }

    def learn(self, rollout: Rollout) -> dict[str, float]:
        """Return the statistics of PPO's update on one rollout: KL-shaped rewards, GAE, ppo_epochs
        of minibatch steps."""
        cfg, mask = self.config, rollout.mask
        rewards, kl = per_token_rewards(
            rollout.scores, rollout.logprobs, rollout.ref_logprobs, mask, self.kl_ctl.value
        )
        # returns before whitening
        advantages, returns = gae(rewards, rollout.values, mask, cfg.gamma, cfg.lam)
        if cfg.whiten_advantages:
            advantages = masked_whiten(advantages, mask)
        ids, attention, prompt_len = (
            rollout.input_ids,
            rollout.attention_mask,
            rollout.query.shape[1],
        )
        logs: dict[str, list[float]] = {
            k: []
            for k in ("policy_loss", "value_loss", "clip_frac", "value_clip_frac", "approx_kl")
        }
        for _ in range(cfg.ppo_epochs):
            for idx in torch.randperm(len(rollout.prompts), generator=self.generator).split(
                cfg.minibatch_size
            ):
                logits, values = self.model(ids[idx], attention[idx], prompt_len)
                logprobs = logprobs_from_logits(logits, rollout.response[idx])
                pg_loss, clip_frac, approx_kl = policy_loss(
                    logprobs, rollout.logprobs[idx], advantages[idx], mask[idx], cfg.clip_range
                )
                vf_loss, vf_clip = value_loss(
                    values, rollout.values[idx], returns[idx], mask[idx], cfg.clip_range_value
                )
                loss = pg_loss + cfg.vf_coef * vf_loss
                if cfg.ent_coef:
                    loss = loss - cfg.ent_coef * entropy_from_logits(logits, mask[idx])
                self.optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.params, cfg.max_grad_norm)
                self.optimizer.step()
                for key, value in zip(logs, (pg_loss, vf_loss, clip_frac, vf_clip, approx_kl)):
                    logs[key].append(float(value.detach()))
        # per response, summed over its tokens: what the controller targets
        mean_kl = float(kl.sum(1).mean())
        beta = self.kl_ctl.value
        self.kl_ctl.update(mean_kl, len(rollout.prompts))
        return {
            "reward": float(rollout.scores.mean()),
            "kl": mean_kl,
            "kl_k3": float((kl_k3(rollout.logprobs, rollout.ref_logprobs) * mask).sum(1).mean()),
            "beta": beta,
            "entropy": rollout.entropy,
            "length": float(mask.sum(1).mean()),
            **{k: sum(v) / len(v) for k, v in logs.items()},
        }

    def step(self, prompts: Sequence[str]) -> dict[str, float]:
        """Return the statistics of one PPO step (rollout, then learn) on a batch of prompts;
        appends them to history."""
        if len(prompts) != self.config.batch_size:
            raise CourseError(
                f"A PPO step takes batch_size={self.config.batch_size} prompts; got {len(prompts)}."
            )
        rollout, seconds = self.rollout(prompts)
        start = time.perf_counter()
        stats = self.learn(rollout)
        stats.update(seconds, optimize_s=time.perf_counter() - start)
        self.history.append(stats)
        return stats

    def train(self, prompts: Sequence[str], steps: int, name: str = "PPO") -> RunResult:
        """Return the RunResult of `steps` PPO steps over `prompts` (reshuffled each pass), with a
        progress bar; or, with skip_ahead "load", the cached run's (its history restored)."""
        n = self.config.batch_size
        if len(prompts) < n:
            raise CourseError(
                f"PPO needs at least batch_size={n} prompts; got {len(prompts)}. Pass more, or "
                "lower batch_size."
            )
        budget = {**asdict(self.config), "steps": steps, "seed": self.seed}
        if self.skip_ahead.mode == "load":
            result = RunResult(**load_run(self.skip_ahead.run_dir(name), self.model, budget))
            self.history += result.logs
            return result
        torch.manual_seed(self.seed)  # the sampling of the rollouts
        device = "cuda" if self.model.lm.device.type == "cuda" else "cpu"
        order: list[int] = []
        bar = tqdm(range(steps), desc=name, leave=True)
        with PeakMemory(device) as mem:
            start = time.perf_counter()
            for _ in bar:
                if len(order) < n:
                    order += torch.randperm(len(prompts), generator=self.generator).tolist()
                batch, order = [prompts[i] for i in order[:n]], order[n:]
                stats = self.step(batch)
                bar.set_postfix(reward=f"{stats['reward']:.2f}", kl=f"{stats['kl']:.2f}")
            seconds = time.perf_counter() - start
        release_memory()
        new = self.history[-steps:]
        result = RunResult.measured(
            name,
            self.model,
            self.optimizer,
            seconds=seconds,
            tokens=int(sum(h["length"] for h in new) * n),
            peak_mb=mem.peak_mb,
            losses=[h["policy_loss"] + self.config.vf_coef * h["value_loss"] for h in new],
            logs=new,
        )
        if self.skip_ahead.mode == "save":
            save_run(self.skip_ahead.run_dir(name), self.model, asdict(result), budget)
        return result
