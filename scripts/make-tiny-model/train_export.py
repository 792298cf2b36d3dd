#!/usr/bin/python3
"""Trains the tiny Qwen2-architecture demo model on token ids and exports it in the Hugging Face Optimum layout:
  inputs  input_ids, attention_mask, position_ids, past_key_values.{i}.key/.value  ([batch, kv_heads, past, head_dim])
  outputs logits, present.{i}.key/.value
Writes OUT/onnx/model.onnx, OUT/config.json, OUT/generation_config.json and OUT/reference_logits.json (torch outputs
for a left-padded prefill and one cached decode step, which the Node tests compare against).
Needs Debian's python3-torch, python3-onnx, python3-numpy; run with /usr/bin/python3.
Usage: /usr/bin/python3 scripts/make-tiny-model/train_export.py --ids build/tiny-model/corpus.u16 --out DIR --steps 300
The defaults are the bundled demo model's; make.sh --corpus edit passes a wider shape, a longer context, windows that
start at a document (--align-docs), a loss weight for prompt tokens (--mask, --prompt-weight) and a time budget.
"""
import argparse, json, math, os, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument('--ids', required=True)
p.add_argument('--out', required=True)
p.add_argument('--steps', type=int, default=300)
p.add_argument('--batch', type=int, default=32)
p.add_argument('--seq', type=int, default=128)
p.add_argument('--lr', type=float, default=3e-3)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--eos', type=str, default='')  # comma-separated ids; default: the tokenizer's last two specials
p.add_argument('--vocab', type=int, default=512)
p.add_argument('--hidden', type=int, default=128)
p.add_argument('--intermediate', type=int, default=256)
p.add_argument('--layers', type=int, default=2)
p.add_argument('--heads', type=int, default=4)
p.add_argument('--kv-heads', type=int, default=2)
p.add_argument('--max-pos', type=int, default=2048)
p.add_argument('--rope-theta', type=float, default=10000.0)  # Qwen2.5 uses 1e6: slow pairs barely turn, so a copy head trained on short windows still matches far back
p.add_argument('--tasks', type=str, default='sql')  # config.json reward_lens.tasks; '' leaves the key out
p.add_argument('--align-docs', action='store_true')  # windows start right after an <|endoftext|>
p.add_argument('--mask', type=str, default='')  # uint8 per token, 1 = answer (encode.ts OUT_MASK)
p.add_argument('--prompt-weight', type=float, default=1.0)  # loss weight of tokens outside answers (with --mask)
p.add_argument('--time-limit', type=float, default=0.0)  # seconds; the schedule follows whichever ends first
# curriculum: the first --warm-frac of training on short documents in short windows, where a copy is cheap to see
p.add_argument('--warm-ids', type=str, default='')
p.add_argument('--warm-mask', type=str, default='')
p.add_argument('--warm-seq', type=int, default=256)
p.add_argument('--warm-batch', type=int, default=8)
p.add_argument('--warm-frac', type=float, default=0.0)
# layer 0's first key-value head (and its query heads) starts as a previous-token head; everything is then trained
p.add_argument('--prev-token-init', action='store_true')
# bfloat16 autocast for the forward: on CPUs with AMX (Sapphire Rapids and later) oneDNN's bf16 matmul is >10x fp32's
# (4096x128 @ 128x2048: 26 GFLOPS fp32 vs 349 bf16 on one core here); weights, optimizer and export stay float32
p.add_argument('--bf16', action='store_true')
# continue from the weights an earlier run saved beside its export (OUT/torch_state.pt)
p.add_argument('--init-from', type=str, default='')
# probability of replacing an answer token's input by a random token (targets stay clean): the model learns to pick a
# copy up again after a token of its own that left it, as sampling at temperature > 0 makes it do
p.add_argument('--input-noise', type=float, default=0.0)
args = p.parse_args()
torch.manual_seed(0)
np.random.seed(0)
torch.set_num_threads(args.threads)
# Gradients deep in the network reach denormal floats early in training, and x86 matmul on denormals is ~15x slower
# (measured: 10.5 vs 0.68 CPU-s for one 4x512 step of the edit model); flushing them to zero changes nothing we keep.
torch.set_flush_denormal(True)

cfg = dict(vocab_size=args.vocab, hidden_size=args.hidden, intermediate_size=args.intermediate,
           num_hidden_layers=args.layers, num_attention_heads=args.heads, num_key_value_heads=args.kv_heads,
           max_position_embeddings=args.max_pos, rope_theta=args.rope_theta, rms_norm_eps=1e-6, tie_word_embeddings=True)
H, NH, KVH, L = cfg['hidden_size'], cfg['num_attention_heads'], cfg['num_key_value_heads'], cfg['num_hidden_layers']
HD = H // NH


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.input_layernorm = RMSNorm(H, cfg['rms_norm_eps'])
        self.q_proj = nn.Linear(H, NH * HD, bias=True)
        self.k_proj = nn.Linear(H, KVH * HD, bias=True)
        self.v_proj = nn.Linear(H, KVH * HD, bias=True)
        self.o_proj = nn.Linear(NH * HD, H, bias=False)
        self.post_attention_layernorm = RMSNorm(H, cfg['rms_norm_eps'])
        self.gate_proj = nn.Linear(H, cfg['intermediate_size'], bias=False)
        self.up_proj = nn.Linear(H, cfg['intermediate_size'], bias=False)
        self.down_proj = nn.Linear(cfg['intermediate_size'], H, bias=False)

    def forward(self, x, cos, sin, bias, past_k, past_v):
        B, S, _ = x.shape
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(B, S, NH, HD).transpose(1, 2)
        k = self.k_proj(h).view(B, S, KVH, HD).transpose(1, 2)
        v = self.v_proj(h).view(B, S, KVH, HD).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        rep = NH // KVH
        T = k.shape[2]
        kk = k.unsqueeze(2).expand(B, KVH, rep, T, HD).reshape(B, NH, T, HD)
        vv = v.unsqueeze(2).expand(B, KVH, rep, T, HD).reshape(B, NH, T, HD)
        att = torch.softmax(torch.matmul(q, kk.transpose(2, 3)) / math.sqrt(HD) + bias, dim=-1)
        self.last_att = att.detach() if getattr(self, 'keep_att', False) else None
        x = x + self.o_proj(torch.matmul(att, vv).transpose(1, 2).reshape(B, S, NH * HD))
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h)), (k, v)


class TinyQwen2(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg['vocab_size'], H)
        self.layers = nn.ModuleList([Block() for _ in range(L)])
        self.norm = RMSNorm(H, cfg['rms_norm_eps'])
        self.register_buffer('inv_freq', 1.0 / (cfg['rope_theta'] ** (torch.arange(0, HD, 2).float() / HD)), persistent=False)

    def forward(self, input_ids, attention_mask, position_ids, past=None):
        S = input_ids.shape[1]
        x = self.embed_tokens(input_ids)
        freqs = position_ids.unsqueeze(-1).float() * self.inv_freq
        emb = torch.cat([freqs, freqs], dim=-1).unsqueeze(1)
        cos, sin = emb.cos(), emb.sin()
        T = attention_mask.shape[1]
        k_pos = torch.arange(T)
        q_pos = torch.arange(S) + (T - S)
        allowed = (k_pos.unsqueeze(0) <= q_pos.unsqueeze(1)).unsqueeze(0).unsqueeze(0)
        allowed = allowed & (attention_mask.unsqueeze(1).unsqueeze(2) > 0)
        bias = (1.0 - allowed.float()) * -1e9
        presents = []
        for i, layer in enumerate(self.layers):
            pk, pv = (past[2 * i], past[2 * i + 1]) if past else (None, None)
            x, pr = layer(x, cos, sin, bias, pk, pv)
            presents.extend(pr)
        return F.linear(self.norm(x), self.embed_tokens.weight), presents


class OnnxSignature(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask, position_ids, *past):
        logits, presents = self.m(input_ids, attention_mask, position_ids, list(past))
        return (logits, *presents)


model = TinyQwen2()
for mod in model.modules():  # HF init (std 0.02): N(0,1) embeddings blow up with a tied lm_head
    if isinstance(mod, (nn.Linear, nn.Embedding)):
        nn.init.normal_(mod.weight, std=0.02)
    if isinstance(mod, nn.Linear) and mod.bias is not None:
        nn.init.zeros_(mod.bias)
print(f'params {sum(p.numel() for p in model.parameters()) / 1e6:.3f}M', flush=True)
if args.prev_token_init:
    # A copy (induction) head needs a previous-token head below it, and waiting for one to form is most of a small
    # model's plateau before it copies (Olsson et al. 2022). RoPE rotates dims (i, i + HD/2) by position * inv_freq[i]:
    # a constant query (c, 0) and a constant key (c cos f, c sin f) in the fastest pairs score
    # c^2 * sum_i cos(inv_freq[i] * (m - n - 1)), highest one position back. Set through the q/k biases.
    c, pairs, l0 = 7.0, HD // 4, model.layers[0]
    with torch.no_grad():
        f = model.inv_freq[:pairs]
        kb = l0.k_proj.bias.view(KVH, HD)
        kb[0, :pairs], kb[0, HD // 2:HD // 2 + pairs] = c * torch.cos(f), c * torch.sin(f)
        qb = l0.q_proj.bias.view(NH, HD)
        for h in range(NH // KVH):  # the query heads that read key-value head 0
            qb[h, :pairs] = c
        l0.keep_att = True
        xx = torch.randint(0, cfg['vocab_size'], (1, 64))
        model(xx, torch.ones_like(xx), torch.arange(64).unsqueeze(0), None)
        a = l0.last_att[0, 0]
        print(f'prev-token init: layer 0 head 0 puts {a.diagonal(-1)[8:].mean().item():.2f} of its attention one token back', flush=True)
        l0.keep_att = False

if args.init_from:
    state = torch.load(args.init_from)
    # --layers above the saved model's: the extra layers go on top and start as the identity (their residual
    # branches' output projections zeroed), so training continues from the saved model's function
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not k.startswith('layers.') for k in missing):
        raise SystemExit(f'{args.init_from} does not fit this shape: missing {missing}, unexpected {unexpected}')
    grown = sorted({int(k.split('.')[1]) for k in missing})
    for i in grown:
        nn.init.zeros_(model.layers[i].o_proj.weight)
        nn.init.zeros_(model.layers[i].down_proj.weight)
    print(f'weights from {args.init_from}' + (f'; layers {grown} added as the identity' if grown else ''), flush=True)

V0 = cfg['vocab_size']


def load_data(ids_file, mask_file, seq):
    ids = torch.from_numpy(np.fromfile(ids_file, dtype=np.uint16).astype(np.int64))
    n = ids.numel() - seq - 1
    # window starts: anywhere, or right after each <|endoftext|> so a document's answer has its prompt in the window
    starts = torch.nonzero(ids[:n] == V0 - 3).flatten() + 1 if args.align_docs else None
    if starts is not None:
        starts = starts[starts < n]
        print(f'{ids_file}: {starts.numel()} document starts', flush=True)
    weights = None
    if mask_file:
        m = torch.from_numpy(np.fromfile(mask_file, dtype=np.uint8).astype(np.float32))
        weights = torch.where(m > 0, torch.ones_like(m), torch.full_like(m, args.prompt_weight))
    return ids, n, starts, weights


main_data = load_data(args.ids, args.mask, args.seq)
warm_data = load_data(args.warm_ids, args.warm_mask, args.warm_seq) if args.warm_ids and args.warm_frac > 0 else None
opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
t0 = time.time()
step = 0
while step < args.steps:
    prog = step / args.steps
    if args.time_limit > 0:
        prog = max(prog, (time.time() - t0) / args.time_limit)
        if prog >= 1:
            break
    lr = args.lr * min(1.0, (step + 1) / 30) * (0.1 + 0.45 * (1 + math.cos(math.pi * prog)))
    for g in opt.param_groups:
        g['lr'] = lr
    warm = warm_data is not None and prog < args.warm_frac
    ids, n, starts, weights = warm_data if warm else main_data
    seq, batch = (args.warm_seq, args.warm_batch) if warm else (args.seq, args.batch)
    ix = starts[torch.randint(0, starts.numel(), (batch,))] if starts is not None else torch.randint(0, n, (batch,))
    xb = torch.stack([ids[i:i + seq] for i in ix])
    yb = torch.stack([ids[i + 1:i + seq + 1] for i in ix])
    if args.input_noise > 0 and weights is not None:
        answer = torch.stack([weights[i:i + seq] for i in ix]) == 1
        flip = (torch.rand(xb.shape) < args.input_noise) & answer
        xb = torch.where(flip, torch.randint(0, V0 - 8, xb.shape), xb)
    pos = torch.arange(seq).unsqueeze(0).expand(batch, -1)
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=args.bf16):
        logits, _ = model(xb, torch.ones_like(xb), pos, None)
    logits = logits.float()
    tok_loss = F.cross_entropy(logits.reshape(-1, V0), yb.reshape(-1), reduction='none')
    if weights is not None:
        wb = torch.stack([weights[i + 1:i + seq + 1] for i in ix]).reshape(-1)
        loss = (tok_loss * wb).sum() / wb.sum()
        copy_loss = (tok_loss * (wb == 1)).sum() / (wb == 1).sum().clamp(min=1)
        prompt_loss = (tok_loss * (wb != 1)).sum() / (wb != 1).sum().clamp(min=1)
    else:
        loss = copy_loss = prompt_loss = tok_loss.mean()
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if step % 50 == 0 or step == args.steps - 1 or (weights is not None and step % 10 == 0):
        print(f'step {step} seq {seq} loss {loss.item():.4f} answer-loss {copy_loss.item():.4f} prompt-loss {prompt_loss.item():.4f} lr {lr:.2e} t={time.time() - t0:.1f}s', flush=True)
    step += 1
print(f'trained {step} steps in {time.time() - t0:.0f}s', flush=True)

model.eval()
os.makedirs(os.path.join(args.out, 'onnx'), exist_ok=True)
torch.save(model.state_dict(), os.path.join(args.out, 'torch_state.pt'))
B0, S0, P0 = 2, 3, 4
names_in = ['input_ids', 'attention_mask', 'position_ids']
names_out = ['logits']
dyn = {'input_ids': {0: 'batch_size', 1: 'sequence_length'}, 'attention_mask': {0: 'batch_size', 1: 'total_sequence_length'},
       'position_ids': {0: 'batch_size', 1: 'sequence_length'}, 'logits': {0: 'batch_size', 1: 'sequence_length'}}
for i in range(L):
    for kv in ('key', 'value'):
        names_in.append(f'past_key_values.{i}.{kv}')
        names_out.append(f'present.{i}.{kv}')
        dyn[f'past_key_values.{i}.{kv}'] = {0: 'batch_size', 2: 'past_sequence_length'}
        dyn[f'present.{i}.{kv}'] = {0: 'batch_size', 2: 'total_sequence_length'}
onnx_path = os.path.join(args.out, 'onnx', 'model.onnx')
with torch.no_grad():
    torch.onnx.export(OnnxSignature(model),
                      (torch.randint(0, cfg['vocab_size'], (B0, S0)), torch.ones(B0, P0 + S0, dtype=torch.int64),
                       torch.arange(P0, P0 + S0).unsqueeze(0).expand(B0, -1).contiguous(),
                       *[torch.randn(B0, KVH, P0, HD) for _ in range(2 * L)]),
                      onnx_path, input_names=names_in, output_names=names_out, dynamic_axes=dyn,
                      opset_version=14, do_constant_folding=True)
import onnx
onnx.checker.check_model(onnx.load(onnx_path))
print('onnx', os.path.getsize(onnx_path), 'bytes', flush=True)

V = cfg['vocab_size']
eos = [int(x) for x in args.eos.split(',')] if args.eos else [V - 3, V - 1]  # <|endoftext|>, <|im_end|>
config = dict(architectures=['Qwen2ForCausalLM'], model_type='qwen2', hidden_act='silu', torch_dtype='float32',
              use_cache=True, bos_token_id=eos[0], eos_token_id=eos[0], head_dim=HD, **cfg,
              **({'reward_lens': dict(tasks=args.tasks.split(','))} if args.tasks else {}))  # tasks=sql: Reward Lens refuses patch/chart requests to the SQL-only demo model
json.dump(config, open(os.path.join(args.out, 'config.json'), 'w'), indent=2)
json.dump(dict(bos_token_id=eos[0], eos_token_id=eos, pad_token_id=eos[0], do_sample=True, temperature=0.7,
               top_p=0.9, repetition_penalty=1.0), open(os.path.join(args.out, 'generation_config.json'), 'w'), indent=2)

with torch.no_grad():  # row 1 is left-padded by 2
    x = torch.tensor([[10, 275, 257, 46, 312], [V - 3, V - 3, 275, 257, 46]])
    am = torch.tensor([[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]])
    pos = (am.cumsum(-1) - 1).clamp(min=0)
    lg, pres = model(x, am, pos, None)
    nxt = torch.tensor([[44], [312]])
    am2 = torch.cat([am, torch.ones(2, 1, dtype=torch.int64)], 1)
    lg2, _ = model(nxt, am2, pos[:, -1:] + 1, pres)
json.dump(dict(prefill=dict(input_ids=x.tolist(), attention_mask=am.tolist(), position_ids=pos.tolist(), last_logits=lg[:, -1, :].tolist()),
               decode=dict(input_ids=nxt.tolist(), attention_mask=am2.tolist(), position_ids=(pos[:, -1:] + 1).tolist(), logits=lg2[:, -1, :].tolist())),
          open(os.path.join(args.out, 'reference_logits.json'), 'w'))
print(f'wrote {args.out}', flush=True)
