package org.globmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.globmed.io.AtomicFiles;

/**
 * Moves weights between a {@link CausalLM} and a Hugging Face model folder: {@code config.json},
 * {@code model.safetensors} (or shards with {@code model.safetensors.index.json}) and the tokenizer
 * files, so a model saved here loads in other tools and theirs load here.
 */
final class Checkpoints {
    /** Files copied with a model so the saved folder is complete: tokenizer and generation settings. */
    static final List<String> COMPANION_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json");
    /** Hugging Face's default shard size (5 GB). */
    static final long SHARD_BYTES = 5_000_000_000L;

    private Checkpoints() {
    }

    /**
     * Fills every parameter of {@code lm} from {@code weights}, converted to {@code dtype} on
     * {@code manager}'s device. All mismatches (missing, unexpected, wrongly shaped or typed
     * tensors) are reported together before any array is created.
     */
    static void load(CausalLM lm, SafeTensors weights, NDManager manager, DataType dtype) throws IOException {
        Map<String, long[]> expected = new LinkedHashMap<>();
        lm.huggingFaceShapes().forEach((name, shape) -> expected.put(name, shape.getShape()));
        // Tolerated extras: rotary tables some exporters store (recomputed here from the config), and
        // the head of a tied model, which some checkpoints repeat although it equals the embedding.
        boolean tied = lm.config().tieWordEmbeddings();
        weights.check(expected, name -> name.endsWith(".rotary_emb.inv_freq") || tied && name.equals("lm_head.weight"));
        for (Map.Entry<String, Parameter> e : lm.huggingFaceParameters().entrySet()) {
            NDArray array = weights.load(e.getKey(), manager, dtype);
            array.setName(e.getKey());
            e.getValue().setArray(array); // shapes reach DJL only at initialize, so setArray is allowed
        }
    }

    /**
     * Writes {@code lm} into {@code folder} as Hugging Face does: config.json, the weights (one file,
     * or shards of at most 5 GB with an index) stored as {@code storage} (FLOAT32, FLOAT16 or
     * BFLOAT16), and the tokenizer files of {@code tokenizerFolder} when given.
     */
    static void save(CausalLM lm, Path folder, DataType storage, Path tokenizerFolder) throws IOException {
        Files.createDirectories(folder);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        lm.huggingFaceParameters().forEach((name, p) -> tensors.put(name, p.getArray()));
        SafeTensors.writeFolder(folder, tensors, SHARD_BYTES, Map.of("format", "pt"), storage);
        ModelConfig config = lm.config().toBuilder().torchDtype(torchDtype(storage)).build();
        AtomicFiles.write(folder.resolve("config.json"), config.toJson());
        if (tokenizerFolder != null && !tokenizerFolder.toAbsolutePath().normalize()
                .equals(folder.toAbsolutePath().normalize())) {
            for (String name : COMPANION_FILES) {
                Path file = tokenizerFolder.resolve(name);
                if (Files.isRegularFile(file)) {
                    Files.copy(file, folder.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static String torchDtype(DataType storage) {
        return switch (storage) {
            case FLOAT32 -> "float32";
            case FLOAT16 -> "float16";
            case BFLOAT16 -> "bfloat16";
            default -> throw new IllegalArgumentException("weights are stored as FLOAT32, FLOAT16 or BFLOAT16, not "
                    + storage);
        };
    }

}
