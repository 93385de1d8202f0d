package org.globmed.kernel.jupyter;

import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.dflib.jjava.jupyter.channels.IOPubChannel;
import org.dflib.jjava.jupyter.channels.StdinChannel;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.messages.HMACGenerator;
import org.dflib.jjava.jupyter.messages.Header;
import org.dflib.jjava.jupyter.messages.KernelTimestamp;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.MessageContext;
import org.dflib.jjava.jupyter.messages.MessageType;
import org.dflib.jjava.jupyter.messages.request.CompleteRequest;
import org.dflib.jjava.jupyter.messages.request.ExecuteRequest;
import org.dflib.jjava.jupyter.messages.request.HistoryRequest;
import org.dflib.jjava.jupyter.messages.request.InspectRequest;
import org.dflib.jjava.jupyter.messages.request.IsCompleteRequest;
import org.dflib.jjava.jupyter.messages.request.ShutdownRequest;
import org.globmed.kernel.CellOutput;
import org.globmed.kernel.KernelInfo;
import org.globmed.kernel.Session;
import org.globmed.kernel.display.MimeBundles;
import org.globmed.kernel.engine.CellError;
import org.globmed.kernel.engine.JavaEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * The Jupyter side of the kernel: binds the five sockets of a connection file and answers the
 * messaging protocol (5.3) by driving a {@link Session}. Shell requests run one at a time on the
 * shell thread; control (interrupt, shutdown) has its own thread, so it is answered while a cell
 * runs.
 */
public final class JupyterKernel {
    private static final Logger LOG = LoggerFactory.getLogger(JupyterKernel.class);
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX").withZone(ZoneOffset.UTC);
    /** This kernel's session id, for messages that answer nothing (the "starting" status). */
    private static final String SESSION = UUID.randomUUID().toString();

    private final Session session;
    private final KernelConnectionProperties props;
    private final ZMQ.Context context = ZMQ.context(1);
    private final IOPubChannel iopub;
    private final StdinChannel stdin;
    private final RequestSocket shell;
    private final RequestSocket control;
    private final ZMQ.Socket heartbeat;
    private final History history = new History();
    private final AtomicInteger executionCount = new AtomicInteger(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    private JupyterKernel(Session session, KernelConnectionProperties props) throws Exception {
        this.session = session;
        this.props = props;
        HMACGenerator hmac = props.createHMACGenerator();
        this.iopub = new IOPubChannel(context, hmac);
        this.stdin = new StdinChannel(context, hmac);
        this.shell = new RequestSocket(context, hmac, "shell", props.getShellPort());
        this.control = new RequestSocket(context, hmac, "control", props.getControlPort());
        this.heartbeat = context.socket(SocketType.REP);
    }

    /** Binds the sockets named in {@code connectionFile} and serves until a shutdown request. */
    public static void serve(Session session, Path connectionFile) throws Exception {
        KernelConnectionProperties props = KernelConnectionProperties.parse(
                Files.readString(connectionFile, StandardCharsets.UTF_8));
        JupyterKernel kernel = new JupyterKernel(session, props);
        kernel.start();
        session.startEngine();
        kernel.stopped.await();
    }

    private void start() {
        String base = props.getTransport() + "://" + props.getIp() + ":";
        iopub.bind(props);
        stdin.bind(props);
        shell.bind(props);
        control.bind(props);
        heartbeat.bind(base + props.getHbPort());
        Thread beat = new Thread(this::heartbeatLoop, "globmed-heartbeat");
        beat.setDaemon(true);
        beat.start();
        shell.serve(this::handle);
        control.serve(this::handle);
        publish(null, MessageType.PUBLISH_STATUS, Map.of("execution_state", "starting"));
    }

    private void heartbeatLoop() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                byte[] ping = heartbeat.recv(0);
                if (ping != null) {
                    heartbeat.send(ping, 0);
                }
            } catch (RuntimeException e) {
                return; // context closed at shutdown
            }
        }
    }

    private void handle(RequestSocket socket, Message<?> request) {
        String type = request.getHeader().getType().getName();
        publish(request, MessageType.PUBLISH_STATUS, Map.of("execution_state", "busy"));
        try {
            switch (type) {
                case "execute_request" -> execute(socket, cast(request));
                case "kernel_info_request" -> reply(socket, request, MessageType.KERNEL_INFO_REPLY, KernelInfo.reply());
                case "complete_request" -> complete(socket, cast(request));
                case "inspect_request" -> inspect(socket, cast(request));
                case "is_complete_request" -> isComplete(socket, cast(request));
                case "history_request" -> reply(socket, request, MessageType.HISTORY_REPLY,
                        history.reply((HistoryRequest) request.getContent()));
                case "comm_info_request" -> reply(socket, request, MessageType.COMM_INFO_REPLY,
                        Map.of("status", "ok", "comms", Map.of()));
                case "comm_open" -> publish(request, MessageType.COMM_CLOSE_COMMAND,
                        Map.of("comm_id", String.valueOf(((Map<?, ?>) toMap(request.getContent())).get("comm_id")),
                                "data", Map.of()));
                case "comm_msg", "comm_close" -> { }
                case "interrupt_request" -> {
                    session.interrupt();
                    reply(socket, request, MessageType.INTERRUPT_REPLY, Map.of("status", "ok"));
                }
                case "shutdown_request" -> shutdown(socket, cast(request));
                default -> LOG.warn("unsupported message type {}", type);
            }
        } catch (RuntimeException e) {
            // The front end waits for a reply to every request: it gets one, with the reason.
            LOG.error("{} failed", type, e);
            if (type.endsWith("_request")) {
                Map<String, Object> error = new LinkedHashMap<>();
                error.put("status", "error");
                error.put("ename", e.getClass().getName());
                error.put("evalue", String.valueOf(e.getMessage()));
                error.put("traceback", List.of(String.valueOf(e)));
                reply(socket, request, MessageType.getType(type.replace("_request", "_reply")), error);
            }
        } finally {
            publish(request, MessageType.PUBLISH_STATUS, Map.of("execution_state", "idle"));
        }
    }

    private void execute(RequestSocket socket, Message<ExecuteRequest> request) {
        ExecuteRequest content = request.getContent();
        boolean silent = content.isSilent();
        boolean store = content.shouldStoreHistory() && !silent;
        int count = store ? executionCount.getAndIncrement() : executionCount.get();
        if (!silent) {
            publish(request, MessageType.PUBLISH_EXECUTE_INPUT, Map.of("code", content.getCode(), "execution_count", count));
        }
        if (store) {
            history.add(count, content.getCode());
        }
        Map<String, Object> reply = new LinkedHashMap<>();
        try {
            DisplayData result = session.execute(content.getCode(), count, new IopubOutput(request, silent));
            if (result != null && !silent) {
                JsonObject bundle = MimeBundles.json(result);
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("execution_count", count);
                out.put("data", bundle.get("data"));
                out.put("metadata", bundle.get("metadata"));
                publish(request, MessageType.PUBLISH_EXECUTION_RESULT, out);
                if (store && bundle.getAsJsonObject("data").has("text/plain")) {
                    history.output(count, bundle.getAsJsonObject("data").get("text/plain").getAsString());
                }
            }
            reply.put("status", "ok");
            reply.put("execution_count", count);
            reply.put("user_expressions", Map.of());
            reply.put("payload", List.of());
        } catch (CellError e) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("ename", e.ename());
            error.put("evalue", e.evalue());
            error.put("traceback", e.traceback());
            if (!silent) {
                publish(request, MessageType.PUBLISH_ERROR, error);
            }
            reply.put("status", "error");
            reply.put("execution_count", count);
            reply.putAll(error);
        }
        reply(socket, request, MessageType.EXECUTE_REPLY, reply);
    }

    private void complete(RequestSocket socket, Message<CompleteRequest> request) {
        CompleteRequest content = request.getContent();
        JavaEngine.Candidates c = session.engine().complete(content.getCode(), content.getCursorPos());
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("status", "ok");
        reply.put("matches", c.matches());
        reply.put("cursor_start", c.start());
        reply.put("cursor_end", c.end());
        reply.put("metadata", Map.of());
        reply(socket, request, MessageType.COMPLETE_REPLY, reply);
    }

    private void inspect(RequestSocket socket, Message<InspectRequest> request) {
        InspectRequest content = request.getContent();
        String doc = session.engine().inspect(content.getCode(), content.getCursorPos());
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("status", "ok");
        reply.put("found", doc != null);
        reply.put("data", doc == null ? Map.of() : Map.of("text/plain", doc));
        reply.put("metadata", Map.of());
        reply(socket, request, MessageType.INSPECT_REPLY, reply);
    }

    private void isComplete(RequestSocket socket, Message<IsCompleteRequest> request) {
        JavaEngine.Completion c = session.isComplete(request.getContent().getCode());
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("status", c.status());
        if (c.status().equals("incomplete")) {
            reply.put("indent", c.indent());
        }
        reply(socket, request, MessageType.IS_COMPLETE_REPLY, reply);
    }

    private void shutdown(RequestSocket socket, Message<ShutdownRequest> request) {
        boolean restart = request.getContent().isRestart();
        reply(socket, request, MessageType.SHUTDOWN_REPLY, Map.of("status", "ok", "restart", restart));
        Thread stopper = new Thread(() -> {
            // Let the reply and the idle status leave before the sockets close.
            try {
                Thread.sleep(50);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            shell.shutdown();
            control.shutdown();
            stopped.countDown();
        }, "globmed-shutdown");
        stopper.start();
    }

    /** Cell output as iopub messages whose parent is the execute request. */
    private final class IopubOutput implements CellOutput {
        private final Message<?> parent;
        private final boolean silent;

        IopubOutput(Message<?> parent, boolean silent) {
            this.parent = parent;
            this.silent = silent;
        }

        @Override
        public void stream(String name, String text) {
            if (!silent) {
                publish(parent, MessageType.PUBLISH_STREAM, Map.of("name", name, "text", text));
            }
        }

        @Override
        public void display(DisplayData data, boolean update) {
            if (!silent) {
                publish(parent, update ? MessageType.PUBLISH_UPDATE_DISPLAY_DATA : MessageType.PUBLISH_DISPLAY_DATA,
                        MimeBundles.json(data));
            }
        }

        @Override
        public void clear(boolean wait) {
            if (!silent) {
                publish(parent, MessageType.PUBLISH_CLEAR_OUTPUT, Map.of("wait", wait));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> Message<T> cast(Message<?> m) {
        return (Message<T>) m;
    }

    private static Object toMap(Object content) {
        return content instanceof Map<?, ?> ? content : Map.of();
    }

    private void publish(MessageContext parent, MessageType<?> type, Object content) {
        iopub.sendMessage(message(parent, type, content));
    }

    private void reply(RequestSocket socket, MessageContext request, MessageType<?> type, Object content) {
        socket.sendMessage(message(request, type, content));
    }

    /**
     * A message answering {@code parent}. Its header is built here rather than by the base
     * library, whose timestamps stop at the minute: clients time cells with header.date, so it
     * carries microseconds, in ISO 8601 as the protocol asks.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Message<?> message(MessageContext parent, MessageType<?> type, Object content) {
        Header<?> header = new Header(UUID.randomUUID().toString(),
                parent != null ? parent.getHeader().getUsername() : Header.KERNEL_USERNAME,
                parent != null ? parent.getHeader().getSessionId() : SESSION,
                new KernelTimestamp(TIMESTAMP.format(Instant.now())), type, KernelInfo.PROTOCOL_VERSION);
        return new Message(parent != null ? parent.getIdentities() : List.of(), header,
                parent != null ? parent.getHeader() : null, null, content, null);
    }

    /** Input the kernel received this session, for history requests (kept in memory). */
    static final class History {
        private final List<Object[]> entries = new ArrayList<>();

        synchronized void add(int count, String code) {
            entries.add(new Object[]{0, count, code, null});
        }

        /** The text/plain result of cell {@code count}, for requests with output=True. */
        synchronized void output(int count, String text) {
            for (int i = entries.size() - 1; i >= 0; i--) {
                if ((int) entries.get(i)[1] == count) {
                    entries.get(i)[3] = text;
                    return;
                }
            }
        }

        synchronized Map<String, Object> reply(HistoryRequest request) {
            List<Object[]> found = new ArrayList<>();
            switch (request.getAccessType()) {
                case TAIL -> {
                    int n = ((HistoryRequest.Tail) request).getMaxReturnLength();
                    found.addAll(entries.subList(Math.max(0, entries.size() - Math.max(n, 0)), entries.size()));
                }
                case RANGE -> {
                    HistoryRequest.Range r = (HistoryRequest.Range) request;
                    for (Object[] e : entries) {
                        int line = (int) e[1];
                        if (line >= r.getStart() && (r.getStop() <= 0 || line < r.getStop())) {
                            found.add(e);
                        }
                    }
                }
                case SEARCH -> {
                    HistoryRequest.Search s = (HistoryRequest.Search) request;
                    String regex = globToRegex(s.getPattern());
                    List<Object[]> matches = new ArrayList<>();
                    java.util.Set<String> seen = new java.util.HashSet<>();
                    for (int i = entries.size() - 1; i >= 0; i--) {
                        Object[] e = entries.get(i);
                        String code = (String) e[2];
                        if (code.matches(regex) && (!s.filterUnique() || seen.add(code))) {
                            matches.add(0, e);
                        }
                    }
                    int n = s.getMaxReturnLength();
                    found.addAll(n > 0 && matches.size() > n ? matches.subList(matches.size() - n, matches.size()) : matches);
                }
                default -> { }
            }
            List<List<Object>> history = new ArrayList<>();
            boolean withOutput = request.includeOutput();
            found.forEach(e -> history.add(withOutput
                    ? java.util.Arrays.asList(e[0], e[1], java.util.Arrays.asList(e[2], e[3]))
                    : List.of(e[0], e[1], e[2])));
            return Map.of("status", "ok", "history", history);
        }

        private static String globToRegex(String glob) {
            StringBuilder sb = new StringBuilder("(?s)");
            for (char c : glob.toCharArray()) {
                switch (c) {
                    case '*' -> sb.append(".*");
                    case '?' -> sb.append('.');
                    default -> sb.append(java.util.regex.Pattern.quote(String.valueOf(c)));
                }
            }
            return sb.toString();
        }
    }
}
