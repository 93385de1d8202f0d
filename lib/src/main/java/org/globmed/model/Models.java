package org.globmed.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Causal language models in one call: a Hugging Face model folder, or a fresh tiny model.
 *
 * <pre>{@code
 * LanguageModel qwen = Models.load(Path.of("models/Qwen3-1.7B"));             // config.json, *.safetensors, tokenizer
 * LanguageModel tiny = Models.tiny("qwen3");                                 // random, byte-level tokenizer, ~1M parameters
 * LanguageModel mine = Models.loader().config(Models.config("llama")
 *         .hiddenSize(256).numHiddenLayers(6).build()).create();             // custom sizes
 * LanguageModel gpu = Models.loader().device(Device.gpu()).dataType(DataType.FLOAT16).load(dir);
 * }</pre>
 *
 * <p>Device: the GPU when DJL's engine sees one, else the CPU; {@code GLOBMED_DEVICE} ("cpu",
 * "gpu", "gpu:1") or {@link Loader#device} overrides it. Type: FLOAT32 on the CPU and FLOAT16 on a
 * GPU. BFLOAT16 weights (what real checkpoints store) are widened when read, because DJL 0.32's
 * PyTorch bindings abort the JVM on any BFLOAT16 array — measured here with both toType and
 * create — so BFLOAT16 cannot be the compute type through DJL, even on a GPU that has the kernels.
 */
public final class Models {
    private Models() {
    }

    /** Loads a Hugging Face model folder on the default device. */
    public static LanguageModel load(Path folder) throws IOException {
        return loader().load(folder);
    }

    /** A fresh tiny model of {@code modelType} (llama, qwen2, qwen3) with random weights from seed 0. */
    public static LanguageModel tiny(String modelType) {
        return loader().config(ModelConfig.tiny(modelType, ByteTokenizer.VOCABULARY)).create();
    }

    /** A builder of a custom architecture, with the given family's conventions. */
    public static ModelConfig.Builder config(String modelType) {
        return ModelConfig.builder(modelType);
    }

    public static Loader loader() {
        return new Loader();
    }

    /** The device models go to unless told otherwise: {@code GLOBMED_DEVICE}, else a GPU if present, else the CPU. */
    public static Device defaultDevice() {
        String wanted = System.getProperty("globmed.device", System.getenv("GLOBMED_DEVICE"));
        if (wanted != null && !wanted.isBlank()) {
            return Device.fromName(wanted.strip().toLowerCase(Locale.ROOT));
        }
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    /** Options for loading or creating a model. */
    public static final class Loader {
        private Device device;
        private DataType dataType;
        private ModelConfig config;
        private Path tokenizer;
        private long seed;

        private Loader() {
        }

        public Loader device(Device device) {
            this.device = device;
            return this;
        }

        /** FLOAT32 or FLOAT16 (default: FLOAT32 on CPU, FLOAT16 on GPU). */
        public Loader dataType(DataType dataType) {
            if (dataType != DataType.FLOAT32 && dataType != DataType.FLOAT16) {
                throw new IllegalArgumentException("models compute in FLOAT32 or FLOAT16, not " + dataType
                        + (dataType == DataType.BFLOAT16 ? " (DJL 0.32's PyTorch bindings abort the JVM on BFLOAT16"
                        + " arrays; BFLOAT16 checkpoints are widened when loaded)" : ""));
            }
            this.dataType = dataType;
            return this;
        }

        /** The architecture for {@link #create()}. */
        public Loader config(ModelConfig config) {
            this.config = config;
            return this;
        }

        /** A folder with tokenizer.json (and tokenizer_config.json) for {@link #create()}; default: the byte-level tokenizer. */
        public Loader tokenizer(Path folder) {
            this.tokenizer = folder;
            return this;
        }

        /** The seed of {@link #create()}'s random weights (default 0). */
        public Loader seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Reads config.json, the safetensors weights and the tokenizer of a Hugging Face model folder. */
        public LanguageModel load(Path folder) throws IOException {
            Path configFile = folder.resolve("config.json");
            if (!Files.isRegularFile(configFile)) {
                throw new NoSuchFileException(configFile.toString(), null,
                        "expected a Hugging Face model folder with config.json, *.safetensors and tokenizer.json");
            }
            ModelConfig modelConfig = ModelConfig.read(configFile);
            ModelTokenizer modelTokenizer = ModelTokenizer.load(tokenizer != null ? tokenizer : folder);
            Device on = device != null ? device : defaultDevice();
            DataType type = typeFor(on);
            NDManager manager = NDManager.newBaseManager(on);
            try (SafeTensors weights = SafeTensors.open(folder)) {
                CausalLM block = new CausalLM(modelConfig);
                Checkpoints.load(block, weights, manager, type);
                return new LanguageModel(block, modelTokenizer, manager, type,
                        tokenizer != null ? tokenizer : folder);
            } catch (IOException | RuntimeException e) {
                manager.close();
                modelTokenizer.close();
                throw e;
            }
        }

        /** A model of {@link #config} with random weights (normal(0, 0.02), as Hugging Face initialises). */
        public LanguageModel create() {
            if (config == null) {
                throw new IllegalStateException("create() needs config(...) first");
            }
            Path tokenizerFolder = tokenizer;
            try {
                if (tokenizerFolder == null) {
                    tokenizerFolder = Files.createTempDirectory("globmed-byte-tokenizer");
                    tokenizerFolder.toFile().deleteOnExit();
                    ByteTokenizer.write(tokenizerFolder);
                    for (String name : new String[]{"tokenizer.json", "tokenizer_config.json"}) {
                        tokenizerFolder.resolve(name).toFile().deleteOnExit();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            ModelTokenizer modelTokenizer = ModelTokenizer.load(tokenizerFolder);
            if (modelTokenizer.vocabularySize() > config.vocabSize()) {
                modelTokenizer.close();
                throw new IllegalArgumentException("the tokenizer has " + modelTokenizer.vocabularySize()
                        + " tokens but the config's vocab_size is " + config.vocabSize());
            }
            Device on = device != null ? device : defaultDevice();
            DataType type = typeFor(on);
            NDManager manager = NDManager.newBaseManager(on);
            Engine.getInstance().setRandomSeed((int) seed);
            CausalLM block = new CausalLM(config);
            block.initialize(manager, type, new Shape(1, 1));
            return new LanguageModel(block, modelTokenizer, manager, type, tokenizerFolder);
        }

        private DataType typeFor(Device on) {
            if (dataType != null) {
                return dataType;
            }
            return on.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
        }
    }
}
