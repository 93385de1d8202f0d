#!/usr/bin/python3
"""Independent PyTorch reference of the Hugging Face Llama / Qwen2 / Qwen3 causal decoder.

The Java tests compare the DJL decoder's logits with this one; the benchmark runs its TorchScript
export as a peer. Written from the HF modeling semantics (eager attention path), not copied.

  python3 hf_reference.py logits      MODEL_DIR IN.json OUT.bin [--float64]
  python3 hf_reference.py greedy      MODEL_DIR IN.json N       [--float64]
  python3 hf_reference.py torchscript MODEL_DIR OUT.pt BATCH SEQ
  python3 hf_reference.py selftest
IN.json is {"input_ids": [[..]..], "attention_mask": [[..]..]} (mask optional); "-" reads stdin.
Env GLOBMED_REF_THREADS sets torch's thread count.
"""
import ctypes, json, math, os, struct, sys, tempfile

try:
    import torch
except ImportError:
    # `python3` on PATH may be a pyenv interpreter without torch; Debian's has python3-torch.
    if __name__ == "__main__" and sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise
import torch.nn.functional as F

assert sys.byteorder == "little", "safetensors and OUT.bin are little-endian; raw copies assume the same"

# ---- safetensors: 8-byte LE header length, JSON header, raw little-endian data ----
ST_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64}


def raw_bytes(t):
    t = t.contiguous()
    return ctypes.string_at(t.data_ptr(), t.numel() * t.element_size())


def read_safetensors(path):
    out = {}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        for name, info in header.items():
            if name == "__metadata__":
                continue
            if info["dtype"] not in ST_DTYPES:
                raise ValueError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
            dt, shape = ST_DTYPES[info["dtype"]], info["shape"]
            begin, end = info["data_offsets"]
            numel = math.prod(shape)
            if end - begin != numel * torch.tensor([], dtype=dt).element_size():
                raise ValueError(f"{path}: tensor {name} byte range does not match shape {shape}")
            f.seek(8 + n + begin)
            buf = bytearray(f.read(end - begin))  # writable, so frombuffer does not warn
            t = torch.frombuffer(buf, dtype=dt) if numel else torch.empty(0, dtype=dt)
            out[name] = t.reshape(shape).float()  # BF16/F16 widen exactly to float32
    return out


def write_safetensors(path, tensors, dtype="F32"):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = raw_bytes(t.to(ST_DTYPES[dtype]))
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)  # keep the data 8-byte aligned, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def load_weights(model_dir):
    single = os.path.join(model_dir, "model.safetensors")
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(single):
        return read_safetensors(single)
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
        weights = {}
        for name in files:
            weights.update(read_safetensors(os.path.join(model_dir, name)))
        return weights
    raise FileNotFoundError(f"{model_dir}: neither model.safetensors nor model.safetensors.index.json")


# ---- config.json ----
def parse_config(d):
    mt = d.get("model_type")
    if mt not in ("llama", "qwen2", "qwen3"):
        raise ValueError(f"unsupported model_type {mt!r} (expected llama, qwen2 or qwen3)")
    if d.get("hidden_act", "silu") != "silu":
        raise ValueError(f"unsupported hidden_act {d['hidden_act']!r}")
    if d.get("use_sliding_window"):
        raise ValueError("use_sliding_window=true is not supported by this reference")
    heads = d["num_attention_heads"]
    bias = bool(d.get("attention_bias", False))
    return {
        "model_type": mt, "vocab_size": d["vocab_size"], "hidden_size": d["hidden_size"],
        "intermediate_size": d["intermediate_size"], "num_hidden_layers": d["num_hidden_layers"],
        "num_attention_heads": heads, "num_key_value_heads": d.get("num_key_value_heads") or heads,
        "head_dim": d.get("head_dim") or d["hidden_size"] // heads,
        "rope_theta": float(d.get("rope_theta", 10000.0)), "rope_scaling": parse_rope_scaling(d.get("rope_scaling")),
        "rms_norm_eps": float(d.get("rms_norm_eps", 1e-6)),
        "tie_word_embeddings": bool(d.get("tie_word_embeddings", False)),
        "max_position_embeddings": d.get("max_position_embeddings", 2048 if mt == "llama" else 32768),
        # HF: qwen2 always has q/k/v bias and never o bias; llama/qwen3 put attention_bias on q, k, v AND o.
        "qkv_bias": True if mt == "qwen2" else bias, "o_bias": False if mt == "qwen2" else bias,
        "mlp_bias": mt == "llama" and bool(d.get("mlp_bias", False)), "qk_norm": mt == "qwen3",
    }


def parse_rope_scaling(rs):
    if not rs:
        return None
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "default":
        return None
    if kind != "llama3":
        raise ValueError(f"unsupported rope_scaling type {kind!r} (only llama3)")
    keys = ("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings")
    return {k: float(rs[k]) for k in keys}


def expected_shapes(c):
    """HF tensor name -> shape for this config (checks loaded checkpoints; builds random ones)."""
    H, I, V, hd, L = c["hidden_size"], c["intermediate_size"], c["vocab_size"], c["head_dim"], c["num_hidden_layers"]
    nq, nkv = c["num_attention_heads"] * hd, c["num_key_value_heads"] * hd
    s = {"model.embed_tokens.weight": [V, H], "model.norm.weight": [H]}
    if not c["tie_word_embeddings"]:
        s["lm_head.weight"] = [V, H]
    for i in range(L):
        a, m = f"model.layers.{i}.self_attn.", f"model.layers.{i}.mlp."
        s[f"model.layers.{i}.input_layernorm.weight"] = [H]
        s[f"model.layers.{i}.post_attention_layernorm.weight"] = [H]
        for p, shape in (("q", [nq, H]), ("k", [nkv, H]), ("v", [nkv, H]), ("o", [H, nq])):
            s[a + p + "_proj.weight"] = shape
            if (p != "o" and c["qkv_bias"]) or (p == "o" and c["o_bias"]):
                s[a + p + "_proj.bias"] = shape[:1]
        for p, shape in (("gate", [I, H]), ("up", [I, H]), ("down", [H, I])):
            s[m + p + "_proj.weight"] = shape
            if c["mlp_bias"]:
                s[m + p + "_proj.bias"] = shape[:1]
        if c["qk_norm"]:
            s[a + "q_norm.weight"] = [hd]
            s[a + "k_norm.weight"] = [hd]
    return s


# ---- rotary ----
def rope_inv_freq(c):
    d = c["head_dim"]
    inv = 1.0 / (c["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))  # float32, as HF
    rs = c["rope_scaling"]
    if rs is None:
        return inv
    # llama3: long wavelengths are divided by factor, short ones kept, the band between blended.
    factor, lo, hi = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
    old = rs["original_max_position_embeddings"]
    wavelen = 2 * math.pi / inv
    scaled = torch.where(wavelen > old / lo, inv / factor, inv)
    smooth = (old / wavelen - lo) / (hi - lo)
    blended = (1 - smooth) * scaled / factor + smooth * scaled
    medium = (wavelen >= old / hi) & (wavelen <= old / lo)
    return torch.where(medium, blended, scaled)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


# ---- the decoder ----
class Decoder(torch.nn.Module):
    def __init__(self, cfg, weights, dtype=torch.float32):
        super().__init__()
        self.c, self.dtype = cfg, dtype
        shapes = expected_shapes(cfg)
        for name, shape in shapes.items():
            if name not in weights:
                raise KeyError(f"checkpoint lacks tensor {name} (shape {shape})")
            if list(weights[name].shape) != shape:
                raise ValueError(f"tensor {name} has shape {list(weights[name].shape)}, config expects {shape}")
            self.register_buffer(self.key(name), weights[name].to(dtype))
        extra = sorted(set(weights) - set(shapes))
        if extra:  # e.g. lm_head.weight of a tied model: HF ignores it too
            print(f"hf_reference: ignoring {len(extra)} tensors: {extra[:5]}", file=sys.stderr)
        self.register_buffer("inv_freq", rope_inv_freq(cfg).to(dtype))  # float32 values, widened if float64

    @staticmethod
    def key(name):
        return name.replace(".", "_")

    def w(self, name):
        return getattr(self, self.key(name), None)

    def linear(self, x, name):
        return F.linear(x, self.w(name + ".weight"), self.w(name + ".bias"))

    def rms(self, x, name):
        return self.w(name) * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.c["rms_norm_eps"]))

    def forward(self, input_ids, attention_mask=None):
        c, dt = self.c, self.dtype
        B, T = input_ids.shape
        nh, nkv, hd = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
        causal = torch.ones(T, T, dtype=torch.bool).tril()[None, None]  # [1,1,T,T] query x key
        if attention_mask is None:
            pos = torch.arange(T).unsqueeze(0).expand(B, T)
            allowed = causal
        else:
            m = attention_mask.long()
            pos = (m.cumsum(-1) - 1).clamp(min=0)  # left padding: first real token is position 0
            allowed = causal & (m[:, None, None, :] != 0)
        # finite minimum, not -inf: a fully masked (padding) query row stays a uniform softmax, never NaN
        bias = torch.zeros(allowed.shape, dtype=dt).masked_fill(~allowed, torch.finfo(dt).min)
        freqs = pos.to(dt)[..., None] * self.inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)[:, None]  # [B,1,T,hd]
        cos, sin = emb.cos(), emb.sin()

        h = F.embedding(input_ids, self.w("model.embed_tokens.weight"))
        for i in range(c["num_hidden_layers"]):
            p = f"model.layers.{i}."
            x = self.rms(h, p + "input_layernorm.weight")
            q = self.linear(x, p + "self_attn.q_proj").view(B, T, nh, hd)
            k = self.linear(x, p + "self_attn.k_proj").view(B, T, nkv, hd)
            v = self.linear(x, p + "self_attn.v_proj").view(B, T, nkv, hd)
            if c["qk_norm"]:  # qwen3: per-head RMSNorm before rotary
                q = self.rms(q, p + "self_attn.q_norm.weight")
                k = self.rms(k, p + "self_attn.k_norm.weight")
            q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # [B,heads,T,hd]
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            if nkv != nh:  # GQA: query head j reads kv head j // (nh / nkv)
                rep = nh // nkv
                k = k[:, :, None].expand(B, nkv, rep, T, hd).reshape(B, nh, T, hd)
                v = v[:, :, None].expand(B, nkv, rep, T, hd).reshape(B, nh, T, hd)
            scores = torch.matmul(q, k.transpose(2, 3)) * hd ** -0.5 + bias
            probs = torch.softmax(scores, dim=-1)  # dt is float32 or float64: never below float32
            o = torch.matmul(probs, v).transpose(1, 2).reshape(B, T, nh * hd)
            h = h + self.linear(o, p + "self_attn.o_proj")
            x = self.rms(h, p + "post_attention_layernorm.weight")
            g = F.silu(self.linear(x, p + "mlp.gate_proj")) * self.linear(x, p + "mlp.up_proj")
            h = h + self.linear(g, p + "mlp.down_proj")
        h = self.rms(h, "model.norm.weight")
        head = "model.embed_tokens.weight" if c["tie_word_embeddings"] else "lm_head.weight"
        return F.linear(h, self.w(head))


def load_model(model_dir, dtype=torch.float32):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = parse_config(json.load(f))
    return Decoder(cfg, load_weights(model_dir), dtype).eval()


# ---- inputs and decoding ----
def read_batch(path):
    if path == "-":
        d = json.load(sys.stdin)
    else:
        with open(path) as f:
            d = json.load(f)
    ids = torch.tensor(d["input_ids"], dtype=torch.long)
    if ids.dim() != 2:
        raise ValueError("input_ids must be a non-empty list of equal-length rows")
    given = d.get("attention_mask")
    mask = torch.ones_like(ids) if given is None else torch.tensor(given, dtype=torch.long)
    if mask.shape != ids.shape:
        raise ValueError(f"attention_mask shape {list(mask.shape)} != input_ids shape {list(ids.shape)}")
    return ids, mask


@torch.no_grad()
def greedy(model, ids, mask, n):
    """n new tokens per row, argmax (first index on ties), no EOS stop; full recompute each step."""
    if not bool((mask[:, -1] != 0).all()):
        raise ValueError("greedy needs left padding: every row's last token must be real")
    for _ in range(n):
        nxt = model(ids, mask)[:, -1].argmax(-1, keepdim=True)
        ids, mask = torch.cat((ids, nxt), 1), torch.cat((mask, torch.ones_like(nxt)), 1)
    return ids[:, ids.shape[1] - n:]


def export_torchscript(model, out, batch, seq):
    example = torch.randint(0, model.c["vocab_size"], (batch, seq))
    with torch.no_grad():
        traced = torch.jit.trace(model, (example,))
        diff = (traced(example) - model(example)).abs().max().item()
    if diff > 1e-5:
        raise RuntimeError(f"traced model differs from eager by {diff}")
    traced.save(out)
    return [batch, seq, model.c["vocab_size"]]


# ---- self-test: tiny random checkpoints, properties that must hold ----
def tiny_config(model_type, **over):
    c = {"model_type": model_type, "vocab_size": 61, "hidden_size": 32, "intermediate_size": 48,
         "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
         "rope_theta": 10000.0, "rms_norm_eps": 1e-6, "tie_word_embeddings": False}
    c.update(over)
    return c


def write_checkpoint(d, raw, dtype="F32", shards=1):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(raw, f)
    g = torch.Generator().manual_seed(0)  # norm weights near 1 but not 1, so a wrong norm shows
    weights = {n: 0.3 * torch.randn(s, generator=g) for n, s in expected_shapes(parse_config(raw)).items()}
    weights.update({n: 1 + t for n, t in weights.items() if n.endswith("norm.weight")})
    names = list(weights)
    if shards == 1:
        write_safetensors(os.path.join(d, "model.safetensors"), weights, dtype)
    else:
        weight_map = {}
        for s in range(shards):
            file = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
            write_safetensors(os.path.join(d, file), {n: weights[n] for n in names[s::shards]}, dtype)
            weight_map.update({n: file for n in names[s::shards]})
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f)
    return weights


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("  ok", what)


@torch.no_grad()
def selftest(tmp):
    ids = torch.tensor([[7, 3, 19, 42, 5, 11, 2, 30], [0, 0, 0, 9, 17, 25, 33, 8]])
    mask = torch.tensor([[1] * 8, [0, 0, 0, 1, 1, 1, 1, 1]])
    cases = {
        "llama": tiny_config("llama", attention_bias=True, mlp_bias=True, tie_word_embeddings=True,
                             rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                           "high_freq_factor": 4.0, "original_max_position_embeddings": 16}),
        "qwen2": tiny_config("qwen2", num_key_value_heads=1),
        "qwen3": tiny_config("qwen3", head_dim=16),  # head_dim != hidden/heads, as in real Qwen3
    }
    for name, raw in cases.items():
        print(name)
        d = os.path.join(tmp, name)
        bf16 = name == "llama"  # also exercises the BF16 reader and a sharded index
        w = write_checkpoint(d, raw, dtype="BF16" if bf16 else "F32", shards=2 if bf16 else 1)
        back = load_weights(d)
        check(all(torch.equal(back[n], w[n].to(torch.bfloat16).float() if bf16 else w[n]) for n in w),
              "safetensors round trip" + (" (BF16, 2 shards)" if bf16 else " (F32)"))
        model = load_model(d)
        out = model(ids, mask)
        check(bool(torch.isfinite(out).all()), "no NaN/inf, padding rows included")
        alone = model(ids[1:, 3:])
        check((out[1, 3:] - alone[0]).abs().max().item() <= 1e-5, "left-padded row == unpadded row at real positions")
        changed = ids.clone()
        changed[0, 5] = 1
        check(torch.equal(model(changed, mask)[0, :5], out[0, :5]), "causal: a later token leaves earlier logits alone")
        diff64 = (load_model(d, torch.float64)(ids, mask).float() - out)[mask.bool()].abs().max().item()
        check(diff64 <= 1e-4, f"float32 vs float64 within 1e-4 ({diff64:.2e})")
        gen = greedy(model, ids, mask, 3)
        check(torch.equal(gen[1:], greedy(model, ids[1:, 3:], mask[1:, 3:], 3)), "greedy: padded batch == row alone")

    print("llama3 rope scaling")
    rs = {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192.0}
    c = {"head_dim": 128, "rope_theta": 500000.0, "rope_scaling": None}
    base, scaled = rope_inv_freq(c), rope_inv_freq(dict(c, rope_scaling=rs))
    kinds = {}
    for b, s in zip(base.tolist(), scaled.tolist()):
        wl = 2 * math.pi / b
        if wl < 8192 / 4:  # short wavelength: kept
            kind, ok = "high", s == b
        elif wl > 8192 / 1:  # longer than the original context: divided by factor
            kind, ok = "low", math.isclose(s, b / 8, rel_tol=1e-6)
        else:  # between: blend of the two, by how many original-context periods fit
            t = (8192 / wl - 1) / (4 - 1)
            kind, ok = "mid", math.isclose(s, (1 - t) * b / 8 + t * b, rel_tol=1e-5) and b / 8 <= s <= b
        kinds.setdefault(kind, []).append(ok)
    for kind, oks in kinds.items():
        check(all(oks), f"{len(oks)} {kind}-frequency inv_freq follow the llama3 case")
    check(set(kinds) == {"high", "mid", "low"}, "all three cases occur")

    print("qwen3 q/k norm, tied vs untied, GQA, errors")
    d = os.path.join(tmp, "qwen3")
    w = load_weights(d)
    cfg = parse_config(tiny_config("qwen3", head_dim=16))
    ref = Decoder(cfg, w)(ids, mask)
    for which in ("q_norm", "k_norm"):
        n = f"model.layers.0.self_attn.{which}.weight"
        w2 = dict(w, **{n: w[n] * 1.5})
        check((Decoder(cfg, w2)(ids, mask) - ref).abs().max().item() > 1e-3, f"{which} weight changes logits")
    tied = Decoder(dict(cfg, tie_word_embeddings=True), w)(ids, mask)
    same = Decoder(cfg, dict(w, **{"lm_head.weight": w["model.embed_tokens.weight"]}))(ids, mask)
    check(torch.equal(tied, same), "tied head == untied head holding the embedding")
    check((tied - ref).abs().max().item() > 1e-3, "a different lm_head changes logits")
    mha = dict(cfg, num_key_value_heads=4)
    wm = dict(w)
    for i in range(2):
        for p in ("k", "v"):
            n = f"model.layers.{i}.self_attn.{p}_proj.weight"
            wm[n] = w[n].view(2, 1, 16, 32).expand(2, 2, 16, 32).reshape(64, 32)  # kv head j serves q heads 2j, 2j+1
    check((Decoder(mha, wm)(ids, mask) - ref).abs().max().item() <= 1e-5, "GQA == MHA with repeated k/v heads")
    for bad in ({"model_type": "gpt2"}, dict(tiny_config("llama"), rope_scaling={"type": "yarn", "factor": 2.0})):
        try:
            check(parse_config(bad) is None, f"accepted unsupported config {bad}")
        except ValueError as e:
            check(True, f"rejects it: {e}")

    print("torchscript")
    pt = os.path.join(tmp, "tiny.pt")
    model = load_model(os.path.join(tmp, "qwen2"))
    export_torchscript(model, pt, 2, 8)
    loaded = torch.jit.load(pt)
    check(torch.allclose(loaded(ids), model(ids), atol=1e-5, rtol=0), "trace saved, reloaded, matches eager")
    print("selftest passed")


# ---- CLI ----
def main(argv):
    if os.environ.get("GLOBMED_REF_THREADS"):
        torch.set_num_threads(int(os.environ["GLOBMED_REF_THREADS"]))
    dtype = torch.float64 if "--float64" in argv else torch.float32
    args = [a for a in argv if a != "--float64"]
    cmd = args[0] if args else ""
    if cmd == "logits" and len(args) == 4:
        ids, mask = read_batch(args[2])
        with torch.no_grad():
            out = load_model(args[1], dtype)(ids, mask).float().contiguous()
        with open(args[3], "wb") as f:
            f.write(raw_bytes(out))
        print(json.dumps({"shape": list(out.shape)}))
    elif cmd == "greedy" and len(args) == 4:
        ids, mask = read_batch(args[2])
        print(json.dumps({"tokens": greedy(load_model(args[1], dtype), ids, mask, int(args[3])).tolist()}))
    elif cmd == "torchscript" and len(args) == 5:
        print(json.dumps({"shape": export_torchscript(load_model(args[1]), args[2], int(args[3]), int(args[4]))}))
    elif cmd == "selftest" and len(args) == 1:
        with tempfile.TemporaryDirectory(prefix="hf_reference_") as tmp:
            selftest(tmp)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
