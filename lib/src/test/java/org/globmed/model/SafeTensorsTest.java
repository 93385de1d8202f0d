package org.globmed.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.globmed.model.SafeTensors.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips, hand-built files with known bytes, BF16 rounding, shards, and every kind of bad file. */
class SafeTensorsTest {
    @TempDir
    Path dir;

    // ---- helpers ----

    /** A safetensors file built byte by byte: length, header as given (no padding), data. */
    private Path raw(String name, String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(json.length).put(json).put(data);
        return Files.write(dir.resolve(name), bytes.array());
    }

    private static byte[] littleEndian(float... values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            bytes.putFloat(value);
        }
        return bytes.array();
    }

    private static byte[] littleEndian(short... values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short value : values) {
            bytes.putShort(value);
        }
        return bytes.array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static float[] floats(NDArray array) {
        return array.getDataType() == DataType.FLOAT32 ? array.toFloatArray()
                : array.toType(DataType.FLOAT32, false).toFloatArray();
    }

    private static void assertBitsEqual(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                    "element " + i + ": expected " + expected[i] + ", found " + actual[i]);
        }
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "message\n" + message + "\nshould contain: " + part);
        }
    }

    private static CheckpointException openFails(Path path) {
        return assertThrows(CheckpointException.class, () -> SafeTensors.open(path).close());
    }

    private static Map<String, NDArray> tensors(Object... namesAndArrays) {
        Map<String, NDArray> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndArrays.length; i += 2) {
            map.put((String) namesAndArrays[i], (NDArray) namesAndArrays[i + 1]);
        }
        return map;
    }

    // ---- round trips ----

    @Test
    void f32RoundTripIsExactKeepsOrderAndMetadata() throws IOException {
        float[] values = {0f, -0f, 1.5f, -3.25e-7f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NEGATIVE_INFINITY,
                Float.NaN, 0.1f, 123456.78f, -1f, 2f};
        Path file = dir.resolve("w.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> written = tensors(
                    "z.weight", manager.create(values, new Shape(3, 4)),
                    "a.bias", manager.create(new float[] {7f, 8f}),
                    "scalar", manager.create(2.5f),
                    "empty", manager.zeros(new Shape(0, 3)));
            SafeTensors.write(file, written, Map.of("format", "pt"));
            try (SafeTensors st = SafeTensors.open(file)) {
                assertEquals(List.of("z.weight", "a.bias", "scalar", "empty"), List.copyOf(st.names()));
                assertEquals(Map.of("format", "pt"), st.metadata());
                SafeTensors.Info info = st.info("z.weight");
                assertEquals("F32", info.dtype());
                assertArrayEquals(new long[] {3, 4}, info.shape());
                assertEquals(file, info.file());
                NDArray z = st.load("z.weight", manager, DataType.FLOAT32);
                assertEquals(new Shape(3, 4), z.getShape());
                assertEquals(DataType.FLOAT32, z.getDataType());
                assertBitsEqual(values, z.toFloatArray());
                assertBitsEqual(new float[] {7f, 8f}, st.load("a.bias", manager, DataType.FLOAT32).toFloatArray());
                NDArray scalar = st.load("scalar", manager, DataType.FLOAT32);
                assertEquals(new Shape(), scalar.getShape());
                assertEquals(2.5f, scalar.getFloat());
                assertEquals(new Shape(0, 3), st.load("empty", manager, DataType.FLOAT32).getShape());
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void f16RoundTripIsExactAndLoadsAsF16OrF32() throws IOException {
        Path file = dir.resolve("h.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray half = manager.create(new float[] {0.1f, 1f, -2f, 65504f, 1e-5f, 0.333f}, new Shape(2, 3))
                    .toType(DataType.FLOAT16, false);
            float[] expected = floats(half);
            SafeTensors.write(file, tensors("h", half), null);
            try (SafeTensors st = SafeTensors.open(file)) {
                assertEquals("F16", st.info("h").dtype());
                assertTrue(st.metadata().isEmpty());
                NDArray asHalf = st.load("h", manager, DataType.FLOAT16);
                assertEquals(DataType.FLOAT16, asHalf.getDataType());
                assertEquals(new Shape(2, 3), asHalf.getShape());
                assertBitsEqual(expected, floats(asHalf));
                NDArray asFloat = st.load("h", manager, DataType.FLOAT32);
                assertEquals(DataType.FLOAT32, asFloat.getDataType());
                assertBitsEqual(expected, asFloat.toFloatArray());
            }
        }
    }

    @Test
    void f32StoredAsF16() throws IOException {
        Path file = dir.resolve("h.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            SafeTensors.write(file, tensors("x", manager.create(new float[] {1f, 0.1f})), null, DataType.FLOAT16);
            try (SafeTensors st = SafeTensors.open(file)) {
                assertEquals("F16", st.info("x").dtype());
                // 0.1 in f16 is 0x2E66 = 0.0999755859375
                assertBitsEqual(new float[] {1f, 0.0999755859375f}, st.load("x", manager, DataType.FLOAT32).toFloatArray());
            }
        }
    }

    // ---- BF16 ----

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3F80, SafeTensors.toBf16(1.0f));
        assertEquals((short) 0xC020, SafeTensors.toBf16(-2.5f));
        assertEquals(3.140625f, SafeTensors.fromBf16(SafeTensors.toBf16(3.14159f))); // 0x40490FD0 -> 0x4049
        // Exactly halfway: to the even neighbour, down from 0x3F80|8000 and up from 0x3F81|8000.
        assertEquals((short) 0x3F80, SafeTensors.toBf16(Float.intBitsToFloat(0x3F808000)));
        assertEquals((short) 0x3F82, SafeTensors.toBf16(Float.intBitsToFloat(0x3F818000)));
        assertEquals((short) 0xBF80, SafeTensors.toBf16(Float.intBitsToFloat(0xBF808000)));
        // Not halfway: to nearest.
        assertEquals((short) 0x3F81, SafeTensors.toBf16(Float.intBitsToFloat(0x3F808001)));
        assertEquals((short) 0x3F81, SafeTensors.toBf16(Float.intBitsToFloat(0x3F817FFF)));
        // Overflow to infinity, infinities and NaN kept.
        assertEquals((short) 0x7F80, SafeTensors.toBf16(Float.MAX_VALUE));
        assertEquals((short) 0xFF80, SafeTensors.toBf16(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(SafeTensors.fromBf16(SafeTensors.toBf16(Float.NaN))));
        assertTrue(Float.isNaN(SafeTensors.fromBf16(SafeTensors.toBf16(Float.intBitsToFloat(0x7F800001)))),
                "a NaN whose payload is in the low bits must not become infinity");
    }

    @Test
    void bf16WrittenThenReadGivesRoundedValuesAndKnownBytes() throws IOException {
        Path file = dir.resolve("b.safetensors");
        float[] values = {1.0f, -2.5f, 3.14159f, Float.intBitsToFloat(0x3F808000), Float.intBitsToFloat(0x3F818000)};
        try (NDManager manager = NDManager.newBaseManager()) {
            SafeTensors.write(file, tensors("w", manager.create(values)), null, DataType.BFLOAT16);
            try (SafeTensors st = SafeTensors.open(file)) {
                assertEquals("BF16", st.info("w").dtype());
                NDArray read = st.load("w", manager, DataType.FLOAT32);
                assertEquals(DataType.FLOAT32, read.getDataType());
                assertBitsEqual(new float[] {1.0f, -2.5f, 3.140625f, 1.0f, 1.015625f}, read.toFloatArray());
                NDArray half = st.load("w", manager, DataType.FLOAT16);
                assertEquals(DataType.FLOAT16, half.getDataType());
                assertBitsEqual(new float[] {1.0f, -2.5f, 3.140625f, 1.0f, 1.015625f}, floats(half));
            }
        }
        byte[] bytes = Files.readAllBytes(file);
        byte[] data = Arrays.copyOfRange(bytes, bytes.length - 10, bytes.length);
        assertArrayEquals(littleEndian((short) 0x3F80, (short) 0xC020, (short) 0x4049, (short) 0x3F80, (short) 0x3F82),
                data);
    }

    // ---- known bytes ----

    @Test
    void handBuiltFileReadsToKnownValues() throws IOException {
        String header = "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"h\\u00e9\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2,1],\"data_offsets\":[8,12]},"
                + "\"c\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[12,20]}}";
        byte[] data = concat(littleEndian(1.5f, -0.25f),
                littleEndian((short) 0x3FC0, (short) 0xC0A0),
                littleEndian((short) 0x3C00, (short) 0xC000, (short) 0x3555, (short) 0x7BFF));
        Path file = raw("known.safetensors", header, data);
        try (SafeTensors st = SafeTensors.open(file); NDManager manager = NDManager.newBaseManager()) {
            assertEquals(List.of("a", "b", "c"), List.copyOf(st.names()));
            assertEquals(Map.of("format", "pt", "note", "hé"), st.metadata());
            assertBitsEqual(new float[] {1.5f, -0.25f}, st.load("a", manager, DataType.FLOAT32).toFloatArray());
            NDArray b = st.load("b", manager, DataType.FLOAT32);
            assertEquals(new Shape(2, 1), b.getShape());
            assertBitsEqual(new float[] {1.5f, -5.0f}, b.toFloatArray());
            assertBitsEqual(new float[] {1.0f, -2.0f, 0.333251953125f, 65504f},
                    st.load("c", manager, DataType.FLOAT32).toFloatArray());
            assertEquals("BF16", st.info("b").dtype());
            assertEquals("b BF16 [2, 1] in " + file, st.info("b").toString());
        }
    }

    @Test
    void writerProducesTheExpectedBytesWithAPaddedHeader() throws IOException {
        Path file = dir.resolve("exact.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            SafeTensors.write(file, tensors("a", manager.create(new float[] {1.5f, -0.25f})), Map.of("format", "pt"));
        }
        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        assertEquals(85, json.length());
        ByteBuffer expected = ByteBuffer.allocate(8 + 88 + 8).order(ByteOrder.LITTLE_ENDIAN);
        expected.putLong(88).put(json.getBytes(StandardCharsets.US_ASCII)).put("   ".getBytes(StandardCharsets.US_ASCII))
                .put(littleEndian(1.5f, -0.25f));
        assertArrayEquals(expected.array(), Files.readAllBytes(file));
    }

    @Test
    void largeTensorsLoadInPartsToTheSameValues() throws IOException {
        Path file = dir.resolve("parts.safetensors");
        float[] values = new float[10];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f - 2f;
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            SafeTensors.write(file, tensors("w", manager.create(values, new Shape(2, 5))), null, DataType.BFLOAT16);
            try (SafeTensors st = SafeTensors.open(file)) {
                NDArray whole = st.load("w", manager, DataType.FLOAT32);
                NDArray parts = st.load("w", manager, DataType.FLOAT32, 12); // 3 floats per part, 4 parts
                assertEquals(new Shape(2, 5), parts.getShape());
                assertBitsEqual(values, parts.toFloatArray()); // these values are exact in bf16
                assertBitsEqual(whole.toFloatArray(), parts.toFloatArray());
                NDArray halfParts = st.load("w", manager, DataType.FLOAT16, 8);
                assertEquals(DataType.FLOAT16, halfParts.getDataType());
                assertBitsEqual(values, floats(halfParts));
            }
        }
    }

    // ---- sharded folders ----

    @Test
    void shardedFolderRoundTripsThroughTheIndex() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> written = tensors(
                    "a", manager.arange(16f).reshape(4, 4), // 64 bytes
                    "b", manager.arange(8f).neg(), // 32
                    "c", manager.create(new float[] {1f, 2f, 3f, 4f}, new Shape(2, 2)), // 16
                    "d", manager.create(new float[] {9f, 8f, 7f, 6f})); // 16
            SafeTensors.writeFolder(dir, written, 48, Map.of("format", "pt"));

            List<String> shards = List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                    "model-00003-of-00003.safetensors");
            for (String shard : shards) {
                assertTrue(Files.isRegularFile(dir.resolve(shard)), shard);
            }
            assertFalse(Files.exists(dir.resolve("model.safetensors")));
            JsonNode index = new ObjectMapper().readTree(dir.resolve("model.safetensors.index.json").toFile());
            assertEquals(128, index.get("metadata").get("total_size").asLong());
            assertEquals(shards.get(0), index.get("weight_map").get("a").asText());
            assertEquals(shards.get(1), index.get("weight_map").get("b").asText());
            assertEquals(shards.get(1), index.get("weight_map").get("c").asText());
            assertEquals(shards.get(2), index.get("weight_map").get("d").asText());

            for (Path opened : List.of(dir, dir.resolve("model.safetensors.index.json"))) {
                try (SafeTensors st = SafeTensors.open(opened)) {
                    assertEquals(List.of("a", "b", "c", "d"), List.copyOf(st.names()));
                    assertEquals(Map.of("format", "pt"), st.metadata());
                    assertEquals(dir.resolve(shards.get(1)).toAbsolutePath(), st.info("c").file().toAbsolutePath());
                    for (Map.Entry<String, NDArray> tensor : written.entrySet()) {
                        NDArray read = st.load(tensor.getKey(), manager, DataType.FLOAT32);
                        assertEquals(tensor.getValue().getShape(), read.getShape());
                        assertBitsEqual(tensor.getValue().toFloatArray(), read.toFloatArray());
                    }
                }
            }

            // Rewritten as one file: the index and the shards go.
            SafeTensors.writeFolder(dir, written, 1 << 20, Map.of());
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(dir.resolve("model.safetensors")), files.toList());
            }
            // And sharded again, in BF16: the single file goes, sizes halve (a 32, b 16, c 8, d 8).
            SafeTensors.writeFolder(dir, written, 32, null, DataType.BFLOAT16);
            assertFalse(Files.exists(dir.resolve("model.safetensors")));
            assertTrue(Files.exists(dir.resolve("model-00002-of-00002.safetensors")));
            try (SafeTensors st = SafeTensors.open(dir)) {
                assertEquals("BF16", st.info("d").dtype());
                assertBitsEqual(new float[] {9f, 8f, 7f, 6f}, st.load("d", manager, DataType.FLOAT32).toFloatArray());
            }
        }
    }

    @Test
    void folderWithoutCheckpoint() throws IOException {
        assertContains(openFails(dir).getMessage(), "no model.safetensors or model.safetensors.index.json in " + dir);
    }

    @Test
    void indexNamingAMissingShard() throws IOException {
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"metadata\":{},\"weight_map\":{\"w\":\"model-00001-of-00002.safetensors\"}}");
        assertContains(openFails(dir).getMessage(), "model.safetensors.index.json", "tensor 'w'",
                "model-00001-of-00002.safetensors", "does not exist");
    }

    @Test
    void indexNamingATensorAbsentFromItsShard() throws IOException {
        raw("shard.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", littleEndian(1f));
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\":{\"a\":\"shard.safetensors\",\"b\":\"shard.safetensors\"}}");
        assertContains(openFails(dir).getMessage(), "model.safetensors.index.json", "tensor 'b'",
                "shard 'shard.safetensors'", "has no such tensor");
    }

    @Test
    void badIndexFiles() throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"metadata\":{}}");
        assertContains(openFails(dir).getMessage(), index.toString(), "no \"weight_map\"");
        Files.writeString(index, "{\"weight_map\": {");
        assertContains(openFails(dir).getMessage(), index.toString(), "index is not valid JSON");
        Files.writeString(index, "{\"weight_map\":{\"w\":\"../elsewhere.safetensors\"}}");
        assertContains(openFails(dir).getMessage(), "tensor 'w'", "not a file name in the index's folder");
    }

    // ---- corrupt files: errors, never a crash ----

    @Test
    void truncatedFileNamesExpectedAndActualSize() throws IOException {
        Path file = dir.resolve("t.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            SafeTensors.write(file, tensors("a", manager.ones(new Shape(4)), "b", manager.ones(new Shape(3))), null);
        }
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(whole, whole.length - 3));
        assertContains(openFails(file).getMessage(), file.toString(), "truncated", "tensor 'b'", "ends at byte 28",
                "at least " + whole.length + " bytes", "but it is " + (whole.length - 3) + " bytes");

        Files.write(file, Arrays.copyOf(whole, 20)); // cut inside the header
        assertContains(openFails(file).getMessage(), file.toString(), "runs past the end of the file (20 bytes)");
        Files.write(file, Arrays.copyOf(whole, 5));
        assertContains(openFails(file).getMessage(), file.toString(), "5 bytes is too short");
    }

    @Test
    void offsetsBeyondTheDataBuffer() throws IOException {
        Path file = raw("o.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                littleEndian(1f, 2f));
        assertContains(openFails(file).getMessage(), file.toString(), "tensor 'a'", "ends at byte 12 of the data (8 bytes)");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        Path file = dir.resolve("huge.safetensors");
        byte[] bytes = new byte[64];
        Arrays.fill(bytes, (byte) 0xFF);
        Files.write(file, bytes);
        assertContains(openFails(file).getMessage(), file.toString(), "header length 18446744073709551615 bytes",
                "100 MB");
        ByteBuffer big = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(200_000_000L);
        Files.write(file, big.array());
        assertContains(openFails(file).getMessage(), "header length 200000000 bytes is beyond the 100 MB limit");
    }

    @Test
    void headerThatIsNotAJsonObject() throws IOException {
        assertContains(openFails(raw("j.safetensors", "{\"a\": oops}", new byte[0])).getMessage(),
                "j.safetensors", "header is not valid JSON");
        assertContains(openFails(raw("k.safetensors", "[1, 2]", new byte[0])).getMessage(),
                "k.safetensors", "header is not a JSON object but array");
        assertContains(openFails(raw("d.safetensors",
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                                + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", littleEndian(1f)))
                .getMessage(), "header is not valid JSON", "Duplicate field 'a'");
        assertContains(openFails(raw("m.safetensors", "{\"__metadata__\":{\"epoch\":3}}", new byte[0])).getMessage(),
                "\"__metadata__\" value of 'epoch' must be a string, found 3");
    }

    @Test
    void entriesMissingFieldsOrWithBadValues() throws IOException {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"shape\":[1],\"data_offsets\":[0,4]}", "missing \"dtype\"");
        cases.put("{\"dtype\":\"F32\",\"data_offsets\":[0,4]}", "missing \"shape\"");
        cases.put("{\"dtype\":\"F32\",\"shape\":[1]}", "missing \"data_offsets\"");
        cases.put("{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}",
                "\"shape\" must be an array of non-negative integers, found [-1]");
        cases.put("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}",
                "\"data_offsets\" must be an array of 2 non-negative integers, found [0]");
        cases.put("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}", "data_offsets [4, 0] end before they begin");
        cases.put("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}",
                "data_offsets [0, 4] span 4 bytes, but shape [2] of F32 needs 8 bytes");
        cases.put("{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,4]}",
                "data_offsets [0, 4] span 4 bytes, but shape [3] of BF16 needs 6 bytes");
        cases.put("[0, 4]", "entry must be an object");
        int i = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path file = raw("e" + i++ + ".safetensors", "{\"model.w\":" + c.getKey() + "}", littleEndian(1f));
            assertContains(openFails(file).getMessage(), file + ": tensor 'model.w': " + c.getValue());
        }
    }

    // ---- loading and checking against what the model expects ----

    private Path checkpointWithAnIntegerTensor(NDManager manager) throws IOException {
        Path file = dir.resolve("c.safetensors");
        SafeTensors.write(file, tensors(
                "a", manager.ones(new Shape(2, 3)),
                "b", manager.ones(new Shape(4)),
                "c", manager.create(new long[] {1, 2, 3}),
                "x.rotary_emb.inv_freq", manager.ones(new Shape(2))), null);
        return file;
    }

    @Test
    void loadRejectsOtherDtypesUnknownNamesAndTargets() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Path file = checkpointWithAnIntegerTensor(manager);
            SafeTensors st = SafeTensors.open(file);
            assertEquals("I64", st.info("c").dtype());
            assertContains(assertThrows(CheckpointException.class, () -> st.load("c", manager, DataType.FLOAT32))
                    .getMessage(), file.toString(), "tensor 'c' has dtype I64", "only F32, F16 and BF16");
            assertContains(assertThrows(IllegalArgumentException.class, () -> st.load("nope", manager, DataType.FLOAT32))
                    .getMessage(), "no tensor 'nope' in " + file);
            assertContains(assertThrows(IllegalArgumentException.class, () -> st.info("nope")).getMessage(), "'nope'");
            assertContains(assertThrows(IllegalArgumentException.class, () -> st.load("a", manager, DataType.INT32))
                    .getMessage(), "FLOAT32 or FLOAT16, not int32");
            st.close();
            assertThrows(IllegalStateException.class, () -> st.load("a", manager, DataType.FLOAT32));
        }
    }

    @Test
    void checkListsEveryMismatchInOneMessage() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Path file = checkpointWithAnIntegerTensor(manager);
            Map<String, long[]> expected = new LinkedHashMap<>();
            expected.put("a", new long[] {3, 2});
            expected.put("b", new long[] {4});
            expected.put("c", new long[] {3});
            expected.put("m", new long[] {5});
            try (SafeTensors st = SafeTensors.open(file)) {
                String message = assertThrows(CheckpointException.class, () -> st.check(expected)).getMessage();
                assertContains(message, file.toString(), "1 missing, 1 unexpected, 1 wrong shape, 1 wrong dtype",
                        "\n  missing m [5]",
                        "\n  wrong shape a: expected [3, 2], found [2, 3]",
                        "\n  wrong dtype c: expected F32, F16 or BF16, found I64",
                        "\n  unexpected x.rotary_emb.inv_freq F32 [2]");
                assertEquals(5, message.split("\n").length, message);

                String tolerant = assertThrows(CheckpointException.class,
                        () -> st.check(expected, name -> name.endsWith(".inv_freq"))).getMessage();
                assertContains(tolerant, "1 missing, 0 unexpected, 1 wrong shape, 1 wrong dtype");

                Map<String, long[]> exact = new LinkedHashMap<>();
                exact.put("a", new long[] {2, 3});
                exact.put("b", new long[] {4});
                exact.put("x.rotary_emb.inv_freq", new long[] {2});
                st.check(exact, "c"::equals); // c is tolerated as an extra, so nothing is wrong
            }
        }
    }

    @Test
    void checkCapsTheListAt20() throws IOException {
        Path file = raw("one.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                littleEndian(1f));
        Map<String, long[]> expected = new LinkedHashMap<>();
        expected.put("a", new long[] {1});
        for (int i = 0; i < 25; i++) {
            expected.put("model.layers." + i + ".w", new long[] {2, 2});
        }
        try (SafeTensors st = SafeTensors.open(file)) {
            String message = assertThrows(CheckpointException.class, () -> st.check(expected)).getMessage();
            assertContains(message, "25 missing, 0 unexpected", "missing model.layers.19.w [2, 2]\n  ... and 5 more");
            assertFalse(message.contains("model.layers.20.w"), message);
            assertEquals(22, message.split("\n").length, message);
        }
    }

    @Test
    void writerRejectsReservedNamesAndBadArguments() throws IOException {
        Path file = dir.resolve("r.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.ones(new Shape(1));
            assertContains(assertThrows(IllegalArgumentException.class,
                    () -> SafeTensors.write(file, tensors("__metadata__", x), null)).getMessage(), "reserved");
            assertContains(assertThrows(IllegalArgumentException.class,
                    () -> SafeTensors.write(file, tensors("x", x), null, DataType.INT32)).getMessage(), "not int32");
            assertContains(assertThrows(IllegalArgumentException.class,
                    () -> SafeTensors.writeFolder(dir, tensors("x", x), 0, null)).getMessage(), "must be positive");
        }
        assertFalse(Files.exists(file));
    }
}
