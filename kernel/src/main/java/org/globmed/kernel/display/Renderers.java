package org.globmed.kernel.display;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Base64;
import java.util.Map;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.RenderContext;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.common.Image;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import tech.tablesaw.plotly.components.Figure;
import org.globmed.display.TableHtml;
import tech.tablesaw.table.Relation;

/**
 * The renderer registry of a session: text/plain for everything, then
 * <ul>
 *   <li>Tablesaw tables (any {@link Relation}) as an HTML table with shape and column types;</li>
 *   <li>Tablesaw Plotly {@link Figure}s as HTML drawn by plotly.js served from the pinned webjar;</li>
 *   <li>{@code java.awt.image.RenderedImage} as image/png;</li>
 *   <li>any object with a public no-argument {@code mimeBundle()} method returning a
 *       {@code Map<String, ?>} of MIME type to data (String, or byte[] for binary types) — the
 *       duck-typed hook that lets the library render without depending on the kernel.</li>
 * </ul>
 */
public final class Renderers {
    /** The method name the duck-typed renderer looks for. */
    public static final String MIME_BUNDLE_METHOD = "mimeBundle";

    private Renderers() {
    }

    public static Renderer create() {
        Renderer renderer = new Renderer();
        Image.registerAll(renderer);
        renderer.createRegistration(Relation.class)
                .preferring(MIMEType.TEXT_HTML)
                .register((table, ctx) -> {
                    ctx.getOutputContainer().putHTML(TableHtml.html(table, TableHtml.DEFAULT_ROWS));
                    ctx.getOutputContainer().putText(TableHtml.text(table, TableHtml.DEFAULT_ROWS));
                });
        PlotlyHtml plotly = new PlotlyHtml();
        renderer.createRegistration(Figure.class)
                .preferring(MIMEType.TEXT_HTML)
                .register((figure, ctx) -> {
                    ctx.getOutputContainer().putHTML(plotly.html(figure));
                    ctx.getOutputContainer().putText(PlotlyHtml.text(figure));
                });
        renderer.createRegistration(Object.class).register(Renderers::renderDuckTyped);
        return renderer;
    }

    private static void renderDuckTyped(Object value, RenderContext context) {
        Method method = mimeBundleMethod(value.getClass());
        if (method == null) {
            return;
        }
        Object bundle;
        try {
            bundle = method.invoke(value);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(value.getClass().getName() + "." + MIME_BUNDLE_METHOD
                    + "() failed: " + e.getCause(), e.getCause());
        }
        if (!(bundle instanceof Map<?, ?> map)) {
            throw new IllegalStateException(value.getClass().getName() + "." + MIME_BUNDLE_METHOD
                    + "() must return a Map of MIME type to data, not " + bundle);
        }
        DisplayData out = context.getOutputContainer();
        map.forEach((type, data) -> out.putData(String.valueOf(type),
                data instanceof byte[] bytes ? Base64.getEncoder().encodeToString(bytes) : data));
    }

    private static Method mimeBundleMethod(Class<?> type) {
        try {
            Method m = type.getMethod(MIME_BUNDLE_METHOD);
            boolean usable = Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers())
                    && Map.class.isAssignableFrom(m.getReturnType());
            if (usable) {
                m.setAccessible(true); // public method of a class that may not be public
            }
            return usable ? m : null;
        } catch (NoSuchMethodException | RuntimeException e) {
            return null;
        }
    }
}
