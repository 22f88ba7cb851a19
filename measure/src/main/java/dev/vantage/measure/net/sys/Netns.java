package dev.vantage.measure.net.sys;

import java.lang.foreign.Arena;

/** setns(2) into a named network namespace ({@code /var/run/netns/NAME}, as ip-netns(8) makes them). */
public final class Netns {
    private Netns() {}

    private static final int O_RDONLY = 0, O_CLOEXEC = 0x80000, CLONE_NEWNET = 0x40000000;

    /**
     * Moves the calling thread (only it: namespaces are per thread) into the namespace; sockets it opens afterwards
     * live there. Use a dedicated platform thread: a virtual thread would carry the namespace to its carrier.
     */
    public static void enter(String name) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            int fd = LibC.open(a.allocateFrom("/var/run/netns/" + name), O_RDONLY | O_CLOEXEC);
            try {
                LibC.setns(fd, CLONE_NEWNET);
            } finally {
                LibC.close(fd);
            }
        }
    }
}
