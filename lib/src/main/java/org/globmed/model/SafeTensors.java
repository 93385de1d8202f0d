package org.globmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Reads and writes Hugging Face safetensors checkpoints: a single file, or a model folder holding
 * {@code model.safetensors} or shards listed by {@code model.safetensors.index.json}.
 *
 * <p>Reading maps the files instead of reading them into the heap; only the JSON headers are read
 * at {@link #open}. BF16 tensors are widened to FLOAT32 here in Java, because DJL 0.32's PyTorch
 * JNI aborts the JVM on any BFLOAT16 array; no BFLOAT16 array is ever created.
 *
 * <p>Errors: anything wrong with the files (a bad header, a truncated file, an index naming a
 * missing shard, a checkpoint that does not match {@link #check}) is a {@link CheckpointException},
 * an {@link IOException} whose message names the file, the tensor and what was expected and found.
 * Mistakes of the caller (an unknown tensor name, an unsupported target type) are
 * {@link IllegalArgumentException}s.
 */
public final class SafeTensors implements AutoCloseable {
    /** The reference implementation refuses headers above 100 MB; a length beyond that means a corrupt file. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    /** A Java buffer holds at most 2^31 - 1 bytes; larger tensors are loaded in parts and joined by the engine. */
    static final long MAX_PART_BYTES = 1L << 30;

    static final String SINGLE_FILE = "model.safetensors";
    static final String INDEX_FILE = "model.safetensors.index.json";
    static final String METADATA_KEY = "__metadata__";

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** A safetensors file or folder that is corrupt, truncated, or does not hold the expected tensors. */
    public static final class CheckpointException extends IOException {
        private static final long serialVersionUID = 1L;

        public CheckpointException(String message) {
            super(message);
        }
    }

    /**
     * What the header says about one tensor.
     *
     * @param name  the tensor's name
     * @param dtype the safetensors dtype as written, e.g. {@code "BF16"}
     * @param shape its dimensions; {@code shape()} returns a copy (so compare with {@code Arrays.equals})
     * @param file  the file (shard) that holds it
     */
    public record Info(String name, String dtype, long[] shape, Path file) {
        public Info {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public String toString() {
            return name + " " + dtype + " " + Arrays.toString(shape) + " in " + file;
        }
    }

    /** A tensor's header entry plus where its bytes are: an absolute position in an open channel. */
    private record Entry(Info info, FileChannel channel, long position, long length) {
    }

    /** One parsed file header. */
    private record Header(Map<String, Entry> entries, Map<String, String> metadata) {
    }

    private final Path source;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private final List<FileChannel> channels;
    private volatile boolean closed;

    private SafeTensors(Path source, Map<String, Entry> entries, Map<String, String> metadata,
                        List<FileChannel> channels) {
        this.source = source;
        this.entries = Collections.unmodifiableMap(entries);
        this.metadata = Collections.unmodifiableMap(metadata);
        this.channels = channels;
    }

    /**
     * Opens a {@code .safetensors} file, a {@code model.safetensors.index.json}, or a model folder
     * (its {@code model.safetensors} if present, else its index). Reads and checks the headers only.
     */
    public static SafeTensors open(Path fileOrFolder) throws IOException {
        if (Files.isDirectory(fileOrFolder)) {
            Path single = fileOrFolder.resolve(SINGLE_FILE);
            Path index = fileOrFolder.resolve(INDEX_FILE);
            if (Files.isRegularFile(single)) {
                return openFile(single);
            }
            if (Files.isRegularFile(index)) {
                return openIndex(index);
            }
            throw new CheckpointException("no " + SINGLE_FILE + " or " + INDEX_FILE + " in " + fileOrFolder);
        }
        if (!Files.isRegularFile(fileOrFolder)) {
            throw new NoSuchFileException(fileOrFolder.toString(), null, "no such safetensors file or folder");
        }
        return fileOrFolder.getFileName().toString().endsWith(".index.json")
                ? openIndex(fileOrFolder) : openFile(fileOrFolder);
    }

    private static SafeTensors openFile(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            Header header = readHeader(file, channel);
            return new SafeTensors(file, new LinkedHashMap<>(header.entries()), header.metadata(), List.of(channel));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static SafeTensors openIndex(Path index) throws IOException {
        JsonNode root = parseJson(index, readSmallFile(index), "index");
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new CheckpointException(index + ": no \"weight_map\" object (tensor name -> shard file)");
        }
        Path folder = index.toAbsolutePath().getParent();
        Map<String, Header> shards = new LinkedHashMap<>();
        List<FileChannel> channels = new ArrayList<>();
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, JsonNode> mapping : weightMap.properties()) {
                String name = mapping.getKey();
                if (!mapping.getValue().isTextual()) {
                    throw new CheckpointException(index + ": tensor '" + name + "': shard file must be a string, found "
                            + mapping.getValue());
                }
                String shardName = mapping.getValue().textValue();
                Header shard = shards.get(shardName);
                if (shard == null) {
                    Path file = folder.resolve(shardName).normalize();
                    if (!folder.equals(file.getParent())) {
                        throw new CheckpointException(index + ": tensor '" + name + "': shard '" + shardName
                                + "' is not a file name in the index's folder");
                    }
                    if (!Files.isRegularFile(file)) {
                        throw new CheckpointException(index + ": tensor '" + name + "' is in shard '" + shardName
                                + "', but " + file + " does not exist");
                    }
                    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                    channels.add(channel);
                    shard = readHeader(file, channel);
                    shards.put(shardName, shard);
                    shard.metadata().forEach(metadata::putIfAbsent);
                }
                Entry entry = shard.entries().get(name);
                if (entry == null) {
                    throw new CheckpointException(index + ": tensor '" + name + "' is listed in shard '" + shardName
                            + "', but that shard has no such tensor (" + shard.entries().size() + " tensors)");
                }
                entries.put(name, entry);
            }
        } catch (IOException | RuntimeException e) {
            for (FileChannel channel : channels) {
                channel.close();
            }
            throw e;
        }
        return new SafeTensors(index, entries, metadata, List.copyOf(channels));
    }

    private static byte[] readSmallFile(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_HEADER_BYTES) {
            throw new CheckpointException(file + ": " + size + " bytes is too large for an index file");
        }
        return Files.readAllBytes(file);
    }

    private static JsonNode parseJson(Path file, byte[] bytes, String what) throws CheckpointException {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file + ": " + what + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new CheckpointException(file + ": " + what + " is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file + ": " + what + " is not a JSON object but "
                    + (root == null ? "empty" : root.getNodeType().toString().toLowerCase()));
        }
        return root;
    }

    private static Header readHeader(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw new CheckpointException(file + ": " + size
                    + " bytes is too short for a safetensors file (it starts with an 8-byte header length)");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, channel, lengthBytes, 0);
        long headerLength = lengthBytes.getLong(0);
        // An unsigned 64-bit value: a negative long is above 2^63, absurd as well.
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new CheckpointException(file + ": header length " + Long.toUnsignedString(headerLength)
                    + " bytes is beyond the 100 MB limit; not a safetensors file, or a corrupt one");
        }
        if (8 + headerLength > size) {
            throw new CheckpointException(file + ": header length " + headerLength
                    + " bytes runs past the end of the file (" + size + " bytes); the file is truncated or corrupt");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(file, channel, headerBytes, 8);
        JsonNode root = parseJson(file, headerBytes.array(), "header");

        long dataStart = 8 + headerLength;
        long dataLength = size - dataStart;
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        Entry last = null;
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (METADATA_KEY.equals(field.getKey())) {
                readMetadata(file, field.getValue(), metadata);
                continue;
            }
            Entry entry = readEntry(file, channel, dataStart, field.getKey(), field.getValue());
            entries.put(field.getKey(), entry);
            if (last == null || entry.position() + entry.length() > last.position() + last.length()) {
                last = entry;
            }
        }
        if (last != null && last.position() + last.length() > size) {
            long end = last.position() + last.length() - dataStart;
            throw new CheckpointException(file + ": truncated or wrong offsets: tensor '" + last.info().name()
                    + "' ends at byte " + end + " of the data (" + dataLength + " bytes), so the file should be at least "
                    + (dataStart + end) + " bytes long, but it is " + size + " bytes");
        }
        return new Header(entries, metadata);
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> into) throws CheckpointException {
        if (!node.isObject()) {
            throw new CheckpointException(file + ": \"" + METADATA_KEY + "\" must be an object of strings, found " + node);
        }
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw new CheckpointException(file + ": \"" + METADATA_KEY + "\" value of '" + field.getKey()
                        + "' must be a string, found " + field.getValue());
            }
            into.put(field.getKey(), field.getValue().textValue());
        }
    }

    private static Entry readEntry(Path file, FileChannel channel, long dataStart, String name, JsonNode node)
            throws CheckpointException {
        String where = file + ": tensor '" + name + "': ";
        if (!node.isObject()) {
            throw new CheckpointException(where + "entry must be an object with dtype, shape and data_offsets, found "
                    + node);
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new CheckpointException(where + (dtypeNode == null ? "missing \"dtype\"" : "\"dtype\" must be a string, found "
                    + dtypeNode));
        }
        String dtype = dtypeNode.textValue();
        long[] shape = readLongs(where, node, "shape", -1);
        long[] offsets = readLongs(where, node, "data_offsets", 2);
        if (offsets[0] > offsets[1]) {
            throw new CheckpointException(where + "data_offsets " + Arrays.toString(offsets) + " end before they begin");
        }
        long length = offsets[1] - offsets[0];
        int size = dtypeSize(dtype);
        // Unknown dtypes are kept (they may never be loaded); only their bounds can be checked.
        if (size > 0) {
            long needed;
            try {
                needed = Math.multiplyExact(elementCount(shape), size);
            } catch (ArithmeticException e) {
                throw new CheckpointException(where + "shape " + Arrays.toString(shape) + " is impossibly large");
            }
            if (needed != length) {
                throw new CheckpointException(where + "data_offsets " + Arrays.toString(offsets) + " span " + length
                        + " bytes, but shape " + Arrays.toString(shape) + " of " + dtype + " needs " + needed + " bytes");
            }
        }
        if (offsets[1] > Long.MAX_VALUE - dataStart) {
            throw new CheckpointException(where + "data_offsets " + Arrays.toString(offsets) + " are impossibly large");
        }
        return new Entry(new Info(name, dtype, shape, file), channel, dataStart + offsets[0], length);
    }

    /** Reads an array of non-negative integers; {@code count} -1 means any length. */
    private static long[] readLongs(String where, JsonNode entry, String key, int count) throws CheckpointException {
        JsonNode node = entry.get(key);
        if (node == null) {
            throw new CheckpointException(where + "missing \"" + key + "\"");
        }
        boolean valid = node.isArray() && (count < 0 || node.size() == count);
        long[] values = new long[valid ? node.size() : 0];
        for (int i = 0; valid && i < values.length; i++) {
            JsonNode value = node.get(i);
            valid = value.isIntegralNumber() && value.canConvertToLong() && value.longValue() >= 0;
            values[i] = value.longValue();
        }
        if (!valid) {
            throw new CheckpointException(where + "\"" + key + "\" must be an array of "
                    + (count < 0 ? "" : count + " ") + "non-negative integers, found " + node);
        }
        return values;
    }

    /** Bytes per element of a safetensors dtype, 0 when unknown. */
    static int dtypeSize(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> 0;
        };
    }

    static boolean isFloat(String dtype) {
        return "F32".equals(dtype) || "F16".equals(dtype) || "BF16".equals(dtype);
    }

    static long elementCount(long[] shape) {
        long count = 1;
        for (long dimension : shape) {
            count = Math.multiplyExact(count, dimension);
        }
        return count;
    }

    private static void readFully(Path file, FileChannel channel, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            int read = channel.read(into, position + into.position());
            if (read < 0) {
                throw new CheckpointException(file + ": unexpected end of file at byte " + (position + into.position()));
            }
        }
    }

    /** Tensor names: header order for a file, weight_map order for a sharded folder. */
    public Set<String> names() {
        return entries.keySet();
    }

    /** The header entry of a tensor. */
    public Info info(String name) {
        return entry(name).info();
    }

    /** The {@code __metadata__} of the file; for shards, all shards' metadata (the first shard wins a clash). */
    public Map<String, String> metadata() {
        return metadata;
    }

    private Entry entry(String name) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + source);
        }
        return entry;
    }

    /**
     * Copies a tensor out of the mapped file into a new array of {@code manager}.
     *
     * @param target {@link DataType#FLOAT32} or {@link DataType#FLOAT16}; F32, F16 and BF16 tensors
     *               are converted (BF16 to F32 exactly, in Java; to F16 by the engine)
     * @throws CheckpointException when the tensor's dtype is not F32, F16 or BF16, or the file
     *                             shrank since it was opened
     */
    public NDArray load(String name, NDManager manager, DataType target) throws IOException {
        return load(name, manager, target, MAX_PART_BYTES);
    }

    NDArray load(String name, NDManager manager, DataType target, long maxPartBytes) throws IOException {
        if (closed) {
            throw new IllegalStateException("closed: " + source);
        }
        if (target != DataType.FLOAT32 && target != DataType.FLOAT16) {
            throw new IllegalArgumentException("tensors load as FLOAT32 or FLOAT16, not " + target);
        }
        Entry entry = entry(name);
        Info info = entry.info();
        if (!isFloat(info.dtype())) {
            throw new CheckpointException(info.file() + ": tensor '" + name + "' has dtype " + info.dtype()
                    + "; only F32, F16 and BF16 tensors can be loaded");
        }
        long count = elementCount(info.shape);
        if (count > Integer.MAX_VALUE) {
            throw new CheckpointException(info.file() + ": tensor '" + name + "' has " + count
                    + " elements, more than DJL arrays hold (2^31 - 1)");
        }
        Shape shape = new Shape(info.shape);
        if (count == 0) {
            return manager.zeros(shape, target);
        }
        if (entry.channel().size() < entry.position() + entry.length()) {
            throw new CheckpointException(info.file() + ": tensor '" + name + "': the file is now "
                    + entry.channel().size() + " bytes, shorter than when it was opened; it was changed underneath");
        }
        // BF16 is widened in Java, so the engine only sees F32 or F16.
        DataType staged = "F16".equals(info.dtype()) ? DataType.FLOAT16 : DataType.FLOAT32;
        long partElements = Math.max(1, maxPartBytes / staged.getNumOfBytes());
        if (count <= partElements) {
            return loadPart(entry, 0, (int) count, shape, staged, target, manager);
        }
        try (NDManager scratch = manager.newSubManager()) {
            NDList parts = new NDList();
            for (long first = 0; first < count; first += partElements) {
                int n = (int) Math.min(partElements, count - first);
                parts.add(loadPart(entry, first, n, new Shape(n), staged, target, scratch));
            }
            NDArray whole = NDArrays.concat(parts).reshape(shape);
            whole.attach(manager);
            return whole;
        }
    }

    private static NDArray loadPart(Entry entry, long first, int count, Shape shape, DataType staged, DataType target,
                                    NDManager manager) throws IOException {
        String dtype = entry.info().dtype();
        int size = dtypeSize(dtype);
        ByteBuffer source = entry.channel()
                .map(FileChannel.MapMode.READ_ONLY, entry.position() + first * size, (long) count * size)
                .order(ByteOrder.LITTLE_ENDIAN);
        // DJL's PyTorch engine uses a direct buffer as the tensor's storage (no second copy).
        ByteBuffer staging = ByteBuffer.allocateDirect(count * staged.getNumOfBytes()).order(ByteOrder.nativeOrder());
        switch (dtype) {
            case "F32" -> staging.asIntBuffer().put(source.asIntBuffer());
            case "F16" -> staging.asShortBuffer().put(source.asShortBuffer());
            default -> widenBf16(source.asShortBuffer(), staging.asIntBuffer());
        }
        NDArray array = manager.create(staging, shape, staged);
        if (staged == target) {
            return array;
        }
        NDArray converted = array.toType(target, false);
        array.close();
        return converted;
    }

    /** bf16 is the upper half of an f32, so widening is exact. */
    private static void widenBf16(ShortBuffer from, IntBuffer to) {
        short[] in = new short[Math.min(from.remaining(), 1 << 16)];
        int[] out = new int[in.length];
        while (from.hasRemaining()) {
            int n = Math.min(in.length, from.remaining());
            from.get(in, 0, n);
            for (int i = 0; i < n; i++) {
                out[i] = in[i] << 16;
            }
            to.put(out, 0, n);
        }
    }

    /** The bf16 bits of an f32, rounded to nearest, ties to even; NaN stays a (quiet) NaN. */
    static short toBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lsb) >>> 16);
    }

    static float fromBf16(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** As {@link #check(Map, Predicate)} with no unexpected tensor tolerated. */
    public void check(Map<String, long[]> expected) throws CheckpointException {
        check(expected, name -> false);
    }

    /**
     * Checks that exactly the expected tensors are present, with the expected shapes and a float
     * dtype (F32, F16 or BF16); reports every mismatch in one message (at most 20 lines listed).
     *
     * @param expected  tensor name to shape
     * @param tolerated names of extra tensors that are not an error (e.g. rotary buffers of old checkpoints)
     */
    public void check(Map<String, long[]> expected, Predicate<String> tolerated) throws CheckpointException {
        List<String> problems = new ArrayList<>();
        int missing = 0;
        int unexpected = 0;
        int wrongShape = 0;
        int wrongDtype = 0;
        for (Map.Entry<String, long[]> wanted : expected.entrySet()) {
            Entry entry = entries.get(wanted.getKey());
            if (entry == null) {
                missing++;
                problems.add("missing " + wanted.getKey() + " " + Arrays.toString(wanted.getValue()));
                continue;
            }
            if (!Arrays.equals(wanted.getValue(), entry.info().shape)) {
                wrongShape++;
                problems.add("wrong shape " + wanted.getKey() + ": expected " + Arrays.toString(wanted.getValue())
                        + ", found " + Arrays.toString(entry.info().shape));
            }
            if (!isFloat(entry.info().dtype())) {
                wrongDtype++;
                problems.add("wrong dtype " + wanted.getKey() + ": expected F32, F16 or BF16, found "
                        + entry.info().dtype());
            }
        }
        for (Entry entry : entries.values()) {
            String name = entry.info().name();
            if (!expected.containsKey(name) && !tolerated.test(name)) {
                unexpected++;
                problems.add("unexpected " + name + " " + entry.info().dtype() + " " + Arrays.toString(entry.info().shape));
            }
        }
        if (problems.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder(source + " does not hold the expected tensors: ");
        message.append(missing).append(" missing, ").append(unexpected).append(" unexpected, ")
                .append(wrongShape).append(" wrong shape, ").append(wrongDtype).append(" wrong dtype");
        int shown = Math.min(problems.size(), 20);
        for (String problem : problems.subList(0, shown)) {
            message.append("\n  ").append(problem);
        }
        if (problems.size() > shown) {
            message.append("\n  ... and ").append(problems.size() - shown).append(" more");
        }
        throw new CheckpointException(message.toString());
    }

    /** Closes the files; arrays already loaded stay valid (they are copies). */
    @Override
    public void close() throws IOException {
        closed = true;
        IOException failure = null;
        for (FileChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "SafeTensors[" + source + ", " + entries.size() + " tensors]";
    }

    /**
     * Writes the arrays, in the map's iteration order, each in its own dtype (FLOAT32 as F32,
     * FLOAT16 as F16; FLOAT64 and integer types as F64, I64, I32, I8, U8, BOOL). The file appears
     * atomically: it is written to a temporary file in the same folder and moved into place.
     *
     * @param metadata written as {@code __metadata__} when not empty; may be null
     */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        SafeTensorsWriter.write(file, tensors, metadata, null);
    }

    /**
     * As {@link #write(Path, Map, Map)}, storing every floating array as {@code storage}:
     * {@link DataType#FLOAT32}, {@link DataType#FLOAT16} or {@link DataType#BFLOAT16} (rounded to
     * nearest even from the f32 bits, like real BF16 checkpoints). Integer arrays keep their dtype.
     */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata, DataType storage)
            throws IOException {
        SafeTensorsWriter.write(file, tensors, metadata, storage);
    }

    /**
     * Writes a model folder the way Hugging Face does: {@code model.safetensors} when everything
     * fits in {@code maxShardBytes}, else {@code model-00001-of-0000N.safetensors} shards (in map
     * order, a new shard when the next tensor would not fit) and {@code model.safetensors.index.json}.
     * Files of the other layout or stale shards left by an earlier write are deleted.
     */
    public static void writeFolder(Path dir, Map<String, NDArray> tensors, long maxShardBytes,
                                   Map<String, String> metadata) throws IOException {
        SafeTensorsWriter.writeFolder(dir, tensors, maxShardBytes, metadata, null);
    }

    /** As {@link #writeFolder(Path, Map, long, Map)}, storing floating arrays as {@code storage} (see {@link #write(Path, Map, Map, DataType)}). */
    public static void writeFolder(Path dir, Map<String, NDArray> tensors, long maxShardBytes,
                                   Map<String, String> metadata, DataType storage) throws IOException {
        SafeTensorsWriter.writeFolder(dir, tensors, maxShardBytes, metadata, storage);
    }
}
