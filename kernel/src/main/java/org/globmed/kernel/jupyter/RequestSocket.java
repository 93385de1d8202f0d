package org.globmed.kernel.jupyter;

import java.util.function.BiConsumer;
import org.dflib.jjava.jupyter.channels.JupyterSocket;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;
import org.dflib.jjava.jupyter.messages.HMACGenerator;
import org.dflib.jjava.jupyter.messages.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * The shell or control socket: a ROUTER whose thread waits in a blocking poll and handles each
 * request as it arrives. (The base library's channel loop sleeps 50 ms between polls, which was
 * most of a trivial cell's round trip.) A message with a missing or wrong HMAC signature is
 * logged and dropped, never handled.
 */
final class RequestSocket extends JupyterSocket {
    private static final Logger LOG = LoggerFactory.getLogger(RequestSocket.class);
    private static final int POLL_MILLIS = 500;

    private final String channel;
    private final int port;
    private volatile boolean open = true;
    private Thread thread;

    RequestSocket(ZMQ.Context context, HMACGenerator hmac, String channel, int port) {
        super(context, SocketType.ROUTER, hmac, LoggerFactory.getLogger("globmed." + channel));
        this.channel = channel;
        this.port = port;
    }

    @Override
    public void bind(KernelConnectionProperties props) {
        super.bind(formatAddress(props.getTransport(), props.getIp(), port));
    }

    /** Starts the thread that hands every verified request to {@code handler}. */
    void serve(BiConsumer<RequestSocket, Message<?>> handler) {
        thread = new Thread(() -> loop(handler), "globmed-" + channel);
        thread.start();
    }

    private void loop(BiConsumer<RequestSocket, Message<?>> handler) {
        ZMQ.Poller poller = ctx.poller(1);
        poller.register(this, ZMQ.Poller.POLLIN);
        while (open) {
            if (poller.poll(POLL_MILLIS) <= 0 || !open) {
                continue;
            }
            Message<?> message;
            try {
                message = readMessage();
            } catch (SecurityException e) {
                LOG.warn("{}: dropped a message with a missing or wrong signature", channel);
                continue;
            } catch (RuntimeException e) {
                if (!open) {
                    break;
                }
                LOG.warn("{}: dropped a message that could not be read: {}", channel, e.toString());
                continue;
            }
            try {
                handler.accept(this, message);
            } catch (Throwable e) {
                // Whatever happened to one request, the socket keeps serving the next ones.
                LOG.error("{}: handling {} failed", channel, message.getHeader().getType().getName(), e);
            }
        }
        poller.close();
    }

    String channel() {
        return channel;
    }

    void shutdown() {
        open = false;
    }

    void join() throws InterruptedException {
        if (thread != null) {
            thread.join();
        }
    }
}
