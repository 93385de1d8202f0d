package org.globmed.train;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.globmed.model.ModelConfig;

/**
 * What a training run will hold in device memory, worked out before it starts, and what the
 * device has free. The model's weights are already loaded, so they count in the total but not
 * against what is free.
 *
 * <ul>
 * <li>gradients: one per trained value, in the compute type;</li>
 * <li>optimizer: two float32 moments per trained value, plus a float32 master copy in float16 training;</li>
 * <li>activations of the largest micro-batch (B sequences of T tokens) kept for the backward
 *     pass: per layer and token about 12·hidden + 5·intermediate values (norm outputs,
 *     projections, rotations, MLP gates) plus 2·heads·T float32 attention scores and
 *     probabilities; and float32 logits with their log-softmax at the loss positions. With
 *     gradient checkpointing: each layer's input, and one layer's activations.</li>
 * </ul>
 *
 * @param weights     bytes of the model's weights (and LoRA adapters)
 * @param gradients   bytes of the gradients
 * @param optimizer   bytes of AdamW's state
 * @param activations bytes of the activations of the largest micro-batch
 * @param available   bytes free on the device when the run starts
 */
public record MemoryEstimate(long weights, long gradients, long optimizer, long activations, long available) {
    /** Bytes the run adds to what is already loaded. */
    public long needed() {
        return gradients + optimizer + activations;
    }

    public boolean fits() {
        return needed() <= available;
    }

    static MemoryEstimate of(ModelConfig c, long weightValues, long trainedValues, int computeBytes, boolean master,
                             long batch, long length, long lossPositions, boolean checkpointing, long available) {
        long h = c.hiddenSize();
        long perTokenLayer = 12 * h + 5L * c.intermediateSize();
        long tokens = batch * length;
        long layers = checkpointing ? 1 : c.numHiddenLayers();
        long layerValues = tokens * perTokenLayer * layers + (checkpointing ? tokens * h * c.numHiddenLayers() : 0);
        long attention = 2L * batch * c.numAttentionHeads() * length * length * layers * 4;
        long logits = 2L * lossPositions * c.vocabSize() * 4;
        long activations = layerValues * computeBytes + attention + logits;
        long optimizer = trainedValues * (8L + (master ? 4 : 0));
        return new MemoryEstimate(weightValues * computeBytes, trainedValues * computeBytes, optimizer, activations,
                available);
    }

    /**
     * Free memory of {@code device}: on a GPU what CUDA reports free; on the CPU the kernel's
     * MemAvailable (Linux), else the JVM's view of free physical memory.
     */
    static long available(Device device) {
        if (device.isGpu()) {
            MemoryUsage usage = CudaUtils.getGpuMemory(device);
            return usage.getMax() - usage.getUsed();
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getFreeMemorySize();
        }
        return Long.MAX_VALUE;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "weights %s (loaded) + gradients %s + optimizer %s + activations %s = %s more;"
                        + " %s available", mib(weights), mib(gradients), mib(optimizer), mib(activations), mib(needed()),
                available == Long.MAX_VALUE ? "unknown" : mib(available));
    }

    static String mib(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
}
