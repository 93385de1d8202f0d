package org.globmed.kernel.display;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;

/** A {@link DisplayData} as the JSON object Jupyter sends: {@code data}, {@code metadata}, {@code transient}. */
public final class MimeBundles {
    private static final Gson GSON = new Gson();

    private MimeBundles() {
    }

    public static JsonObject json(DisplayData data) {
        JsonObject o = GSON.toJsonTree(data).getAsJsonObject();
        if (!o.has("metadata")) {
            o.add("metadata", new JsonObject());
        }
        return o;
    }
}
