package dev.vantage.measure.net.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few glibc calls the network engine needs and the JDK has no API for (raw and ICMP sockets, TTL, IP_RECVERR,
 * the error queue, setns), bound with java.lang.foreign for Linux x86_64. Every call captures errno; a failed call
 * throws {@link ErrnoException}. Handles are called with invokeExact (no boxing, so the JIT inlines the stubs). Constants are the Linux x86_64 values from the kernel uapi headers.
 */
final class LibC {
    private LibC() {}

    static final int AF_INET = 2, AF_INET6 = 10;
    static final int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int MSG_ERRQUEUE = 0x2000, MSG_DONTWAIT = 0x40, MSG_TRUNC = 0x20;
    static final short POLLIN = 1, POLLERR = 8;
    static final int EINTR = 4, EAGAIN = 11;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = bind("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT = bind("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = bind("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SENDTO = bind("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG = bind("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETNS = bind("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
            FunctionDescriptor.of(ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(256, ValueLayout.JAVA_BYTE)), JAVA_INT));

    private static MethodHandle bind(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), fd, ERRNO);
    }

    /** Per thread: where the downcalls leave errno (captureCallState). */
    private static final ThreadLocal<MemorySegment> STATE = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private static long check(String what, long result, MemorySegment state) throws ErrnoException {
        if (result == -1) {
            int errno = (int) ERRNO_HANDLE.get(state, 0L);
            throw new ErrnoException(what, errno, strerror(errno));
        }
        return result;
    }

    private static IllegalStateException failed(String what, Throwable t) {
        return new IllegalStateException("native call " + what + " failed", t);
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    static int socket(int domain, int type, int protocol) throws ErrnoException {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) SOCKET.invokeExact(st, domain, type | SOCK_CLOEXEC, protocol);
        } catch (Throwable t) {
            throw failed("socket", t);
        }
        return (int) check("socket", r, st);
    }

    static void setsockopt(int fd, int level, int name, MemorySegment value) throws ErrnoException {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) SETSOCKOPT.invokeExact(st, fd, level, name, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw failed("setsockopt", t);
        }
        if (r == -1) check("setsockopt(" + level + "," + name + ")", r, st);
    }

    static int getsockoptInt(int fd, int level, int name) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 4);
            MemorySegment st = STATE.get();
            int r;
            try {
                r = (int) GETSOCKOPT.invokeExact(st, fd, level, name, v, len);
            } catch (Throwable t) {
                throw failed("getsockopt", t);
            }
            check("getsockopt(" + level + "," + name + ")", r, st);
            return v.get(JAVA_INT, 0);
        }
    }

    static void bind(int fd, MemorySegment addr) throws ErrnoException {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) BIND.invokeExact(st, fd, addr, (int) addr.byteSize());
        } catch (Throwable t) {
            throw failed("bind", t);
        }
        check("bind", r, st);
    }

    static void connect(int fd, MemorySegment addr) throws ErrnoException {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) CONNECT.invokeExact(st, fd, addr, (int) addr.byteSize());
        } catch (Throwable t) {
            throw failed("connect", t);
        }
        check("connect", r, st);
    }

    static void getsockname(int fd, MemorySegment addr) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) addr.byteSize());
            MemorySegment st = STATE.get();
            int r;
            try {
                r = (int) GETSOCKNAME.invokeExact(st, fd, addr, len);
            } catch (Throwable t) {
                throw failed("getsockname", t);
            }
            check("getsockname", r, st);
        }
    }

    static long sendto(int fd, MemorySegment buf, int flags, MemorySegment addr) throws ErrnoException {
        MemorySegment st = STATE.get();
        long r;
        try {
            r = (long) SENDTO.invokeExact(st, fd, buf, buf.byteSize(), flags, addr,
                    addr.equals(MemorySegment.NULL) ? 0 : (int) addr.byteSize());
        } catch (Throwable t) {
            throw failed("sendto", t);
        }
        return check("sendto", r, st);
    }

    static long recvmsg(int fd, MemorySegment msghdr, int flags) throws ErrnoException {
        MemorySegment st = STATE.get();
        long r;
        try {
            r = (long) RECVMSG.invokeExact(st, fd, msghdr, flags);
        } catch (Throwable t) {
            throw failed("recvmsg", t);
        }
        return check("recvmsg", r, st);
    }

    static int poll(MemorySegment pollfds, long count, int timeoutMillis) throws ErrnoException {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) POLL.invokeExact(st, pollfds, count, timeoutMillis);
        } catch (Throwable t) {
            throw failed("poll", t);
        }
        return (int) check("poll", r, st);
    }

    static void close(int fd) {
        try {
            int r = (int) CLOSE.invokeExact(STATE.get(), fd);
        } catch (Throwable ignored) {
            // nothing to do: the descriptor is gone either way
        }
    }

    static int open(MemorySegment path, int flags) throws ErrnoException {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) OPEN.invokeExact(st, path, flags);
        } catch (Throwable t) {
            throw failed("open", t);
        }
        return (int) check("open", r, st);
    }

    static void setns(int fd, int nstype) throws ErrnoException {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) SETNS.invokeExact(st, fd, nstype);
        } catch (Throwable t) {
            throw failed("setns", t);
        }
        check("setns", r, st);
    }
}
