package org.globmed.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the tokenizer of the tiny models: byte-level, one token per UTF-8 byte (256) plus three
 * special tokens, as a Hugging Face {@code tokenizer.json} (a BPE model with no merges) and a
 * {@code tokenizer_config.json} with a ChatML chat template. Any text in any script encodes with
 * it, it needs no download and no training, and its 259-entry vocabulary keeps a tiny model's
 * embedding small; the price is long sequences (3 tokens per Devanagari character).
 */
final class ByteTokenizer {
    static final List<String> SPECIAL = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");
    static final int VOCABULARY = 256 + SPECIAL.size();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT_TEMPLATE = "{% for message in messages %}{{ '<|im_start|>' + message['role']"
            + " + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private ByteTokenizer() {
    }

    /** Writes tokenizer.json and tokenizer_config.json into {@code folder}. */
    static void write(Path folder) throws IOException {
        Files.createDirectories(folder);
        ObjectNode tokenizer = JSON.createObjectNode();
        tokenizer.put("version", "1.0");
        tokenizer.putNull("truncation");
        tokenizer.putNull("padding");
        ArrayNode added = tokenizer.putArray("added_tokens");
        ObjectNode decoderMap = JSON.createObjectNode();
        for (int i = 0; i < SPECIAL.size(); i++) {
            ObjectNode token = added.addObject();
            token.put("id", 256 + i);
            token.put("content", SPECIAL.get(i));
            token.put("single_word", false);
            token.put("lstrip", false);
            token.put("rstrip", false);
            token.put("normalized", false);
            token.put("special", true);
            ObjectNode entry = decoderMap.putObject(Integer.toString(256 + i));
            entry.put("content", SPECIAL.get(i));
            entry.put("special", true);
        }
        tokenizer.putNull("normalizer");
        tokenizer.set("pre_tokenizer", byteLevel());
        tokenizer.putNull("post_processor");
        tokenizer.set("decoder", byteLevel());
        ObjectNode model = tokenizer.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        String[] symbols = byteSymbols();
        for (int b = 0; b < 256; b++) {
            vocab.put(symbols[b], b);
        }
        model.putArray("merges");
        Files.writeString(folder.resolve("tokenizer.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tokenizer));

        ObjectNode config = JSON.createObjectNode();
        config.putNull("bos_token");
        config.put("eos_token", "<|im_end|>");
        config.put("pad_token", "<|endoftext|>");
        config.put("chat_template", CHAT_TEMPLATE);
        config.set("added_tokens_decoder", decoderMap);
        Files.writeString(folder.resolve("tokenizer_config.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
    }

    private static ObjectNode byteLevel() {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", "ByteLevel");
        node.put("add_prefix_space", false);
        node.put("trim_offsets", true);
        node.put("use_regex", false);
        return node;
    }

    /**
     * The byte-level alphabet of GPT-2-style tokenizers: printable bytes stand for themselves, the
     * others (controls, space, 0x7F–0xA0, 0xAD) for code points from U+0100 on, in byte order.
     */
    static String[] byteSymbols() {
        String[] symbols = new String[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE;
            symbols[b] = new String(Character.toChars(printable ? b : next++));
        }
        return symbols;
    }
}
