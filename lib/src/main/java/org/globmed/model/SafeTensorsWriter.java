package org.globmed.model;

import static org.globmed.model.SafeTensors.JSON;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.globmed.io.AtomicFiles;

/** The writing half of {@link SafeTensors}: files, sharded folders, optional F16/BF16 storage. */
final class SafeTensorsWriter {
    private static final Pattern SHARD_NAME = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

    private SafeTensorsWriter() {
    }

    /** One array as it will be stored. */
    private record Planned(String name, NDArray array, String dtype, long bytes) {
    }

    @FunctionalInterface
    private interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata, DataType storage)
            throws IOException {
        writeFile(file, plan(tensors, storage), metadata);
    }

    static void writeFolder(Path dir, Map<String, NDArray> tensors, long maxShardBytes, Map<String, String> metadata,
                            DataType storage) throws IOException {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, not " + maxShardBytes);
        }
        List<Planned> planned = plan(tensors, storage);
        // Greedy in the given order; a tensor larger than a shard gets a shard of its own.
        List<List<Planned>> shards = new ArrayList<>();
        List<Planned> current = new ArrayList<>();
        long currentBytes = 0;
        long totalBytes = 0;
        for (Planned tensor : planned) {
            if (!current.isEmpty() && currentBytes + tensor.bytes() > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(tensor);
            currentBytes += tensor.bytes();
            totalBytes += tensor.bytes();
        }
        shards.add(current);

        Files.createDirectories(dir);
        Path index = dir.resolve(SafeTensors.INDEX_FILE);
        if (shards.size() == 1) {
            Files.deleteIfExists(index);
            deleteShards(dir, Set.of());
            writeFile(dir.resolve(SafeTensors.SINGLE_FILE), planned, metadata);
            return;
        }
        // open() prefers model.safetensors, so it must not survive next to the new shards.
        Files.deleteIfExists(dir.resolve(SafeTensors.SINGLE_FILE));
        Set<String> written = new HashSet<>();
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            writeFile(dir.resolve(name), shards.get(i), metadata);
            written.add(name);
            for (Planned tensor : shards.get(i)) {
                weightMap.put(tensor.name(), name);
            }
        }
        ObjectNode root = JSON.createObjectNode();
        root.putObject("metadata").put("total_size", totalBytes);
        ObjectNode map = root.putObject("weight_map");
        weightMap.forEach(map::put);
        byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        atomically(index, channel -> writeAll(channel, ByteBuffer.wrap(json)));
        deleteShards(dir, written);
    }

    private static void deleteShards(Path dir, Set<String> keep) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (SHARD_NAME.matcher(name).matches() && !keep.contains(name)) {
                    Files.delete(file);
                }
            }
        }
    }

    private static List<Planned> plan(Map<String, NDArray> tensors, DataType storage) {
        if (storage != null && storage != DataType.FLOAT32 && storage != DataType.FLOAT16
                && storage != DataType.BFLOAT16) {
            throw new IllegalArgumentException("floating arrays are stored as FLOAT32, FLOAT16 or BFLOAT16, not "
                    + storage);
        }
        List<Planned> planned = new ArrayList<>();
        for (Map.Entry<String, NDArray> tensor : tensors.entrySet()) {
            String name = tensor.getKey();
            NDArray array = tensor.getValue();
            if (SafeTensors.METADATA_KEY.equals(name)) {
                throw new IllegalArgumentException("'" + SafeTensors.METADATA_KEY + "' is reserved, not a tensor name");
            }
            if (array == null) {
                throw new IllegalArgumentException("tensor '" + name + "' is null");
            }
            DataType type = array.getDataType();
            String dtype = switch (type) {
                case FLOAT64 -> "F64";
                case FLOAT32 -> "F32";
                case FLOAT16 -> "F16";
                case INT64 -> "I64";
                case INT32 -> "I32";
                case INT8 -> "I8";
                case UINT8 -> "U8";
                case BOOLEAN -> "BOOL";
                default -> throw new IllegalArgumentException("tensor '" + name + "' has data type " + type
                        + ", which this writer does not store");
            };
            if (storage != null && type.isFloating()) {
                dtype = switch (storage) {
                    case FLOAT16 -> "F16";
                    case BFLOAT16 -> "BF16";
                    default -> "F32";
                };
            }
            long bytes = array.getShape().size() * SafeTensors.dtypeSize(dtype);
            planned.add(new Planned(name, array, dtype, bytes));
        }
        return planned;
    }

    private static void writeFile(Path file, List<Planned> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(SafeTensors.METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Planned tensor : tensors) {
            ObjectNode entry = header.putObject(tensor.name());
            entry.put("dtype", tensor.dtype());
            ArrayNode shape = entry.putArray("shape");
            for (long dimension : tensor.array().getShape().getShape()) {
                shape.add(dimension);
            }
            entry.putArray("data_offsets").add(offset).add(offset + tensor.bytes());
            offset += tensor.bytes();
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        // Spaces up to a multiple of 8, as the reference writer does, so the data starts aligned.
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        atomically(file, channel -> {
            writeAll(channel, head);
            for (Planned tensor : tensors) {
                writeData(channel, tensor);
            }
        });
    }

    private static void writeData(FileChannel channel, Planned tensor) throws IOException {
        NDArray array = tensor.array();
        DataType wanted = switch (tensor.dtype()) {
            case "F32", "BF16" -> DataType.FLOAT32;
            case "F16" -> DataType.FLOAT16;
            default -> array.getDataType();
        };
        NDArray onCpu = array.getDevice().equals(Device.cpu()) ? array : array.toDevice(Device.cpu(), true);
        NDArray converted = onCpu.getDataType() == wanted ? onCpu : onCpu.toType(wanted, false);
        try {
            // A view of the tensor's own memory. toByteBuffer() would copy each tensor into a byte[]
            // on the Java heap: writing the last checkpoint of the 29M-parameter benchmark model
            // (weights and AdamW moments) grew the process by about 220 MiB that way.
            ByteBuffer data = converted.toByteBuffer(true).order(ByteOrder.nativeOrder());
            if ("BF16".equals(tensor.dtype())) {
                writeBf16(channel, data.asFloatBuffer());
            } else {
                writeLittleEndian(channel, data, SafeTensors.dtypeSize(tensor.dtype()));
            }
        } finally {
            if (converted != array) {
                converted.close();
            }
            if (onCpu != array && onCpu != converted) {
                onCpu.close();
            }
        }
    }

    private static void writeBf16(FileChannel channel, FloatBuffer values) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(Math.min(values.remaining(), 1 << 16) * 2).order(ByteOrder.LITTLE_ENDIAN);
        while (values.hasRemaining()) {
            out.clear();
            while (out.hasRemaining() && values.hasRemaining()) {
                out.putShort(SafeTensors.toBf16(values.get()));
            }
            out.flip();
            writeAll(channel, out);
        }
    }

    /** Engine bytes are in native order; safetensors is little-endian. */
    private static void writeLittleEndian(FileChannel channel, ByteBuffer data, int size) throws IOException {
        if (size == 1 || ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            writeAll(channel, data);
            return;
        }
        ByteBuffer swapped = ByteBuffer.allocate(data.remaining());
        for (int i = data.position(); i < data.limit(); i += size) {
            for (int j = size - 1; j >= 0; j--) {
                swapped.put(data.get(i + j));
            }
        }
        swapped.flip();
        writeAll(channel, swapped);
    }

    private static void writeAll(FileChannel channel, ByteBuffer data) throws IOException {
        while (data.hasRemaining()) {
            channel.write(data);
        }
    }

    /** Writes next to the target and renames, so readers never see half a file. */
    private static void atomically(Path target, Body body) throws IOException {
        AtomicFiles.write(target, temporary -> {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                body.writeTo(channel);
                channel.force(true); // on disk before the rename: weights are large and slow to redo
            }
        });
    }
}
