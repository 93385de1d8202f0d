/**
 * Causal language models of the Llama, Qwen2 and Qwen3 families written with DJL blocks.
 *
 * <p>Entry: {@link org.globmed.model.Models} ({@code load(folder)}, {@code tiny(type)},
 * {@code config(type)}) gives a {@link org.globmed.model.LanguageModel} that scores continuations
 * ({@code logLikelihood}), generates ({@code generate}) and saves in the Hugging Face layout.
 * Where the parts are: {@code ModelConfig} (config.json), {@code CausalLM} and its blocks
 * ({@code DecoderLayer}, {@code Attention}, {@code RotaryEmbedding}, {@code RmsNorm},
 * {@code SwiGluMlp}, {@code KvCache}), {@code SafeTensors} and {@code Checkpoints} (weights),
 * {@code ModelTokenizer} and {@code ChatTemplate} (tokenizer.json, tokenizer_config.json),
 * {@code Scorer} and {@code Generator} (the primitives evaluation and training use).
 */
package org.globmed.model;
