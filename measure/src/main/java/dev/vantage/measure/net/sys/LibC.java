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
 * throws {@link ErrnoException}. Constants are the Linux x86_64 values from the kernel uapi headers.
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

    /** Calls {@code handle} with a fresh errno capture segment prepended; throws when the result is -1. */
    private static long call(String what, MethodHandle handle, Object... args) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            Object[] full = new Object[args.length + 1];
            full[0] = state;
            System.arraycopy(args, 0, full, 1, args.length);
            Object r = handle.invokeWithArguments(full);
            long result = r instanceof Integer i ? i : (Long) r;
            if (result == -1) {
                int errno = (int) ERRNO_HANDLE.get(state, 0L);
                throw new ErrnoException(what, errno, strerror(errno));
            }
            return result;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call " + what + " failed", t);
        }
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
        return (int) call("socket", SOCKET, domain, type | SOCK_CLOEXEC, protocol);
    }

    static void setsockopt(int fd, int level, int name, MemorySegment value) throws ErrnoException {
        call("setsockopt(" + level + "," + name + ")", SETSOCKOPT, fd, level, name, value, (int) value.byteSize());
    }

    static int getsockoptInt(int fd, int level, int name) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 4);
            call("getsockopt(" + level + "," + name + ")", GETSOCKOPT, fd, level, name, v, len);
            return v.get(JAVA_INT, 0);
        }
    }

    static void bind(int fd, MemorySegment addr) throws ErrnoException {
        call("bind", BIND, fd, addr, (int) addr.byteSize());
    }

    static void connect(int fd, MemorySegment addr) throws ErrnoException {
        call("connect", CONNECT, fd, addr, (int) addr.byteSize());
    }

    static void getsockname(int fd, MemorySegment addr) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) addr.byteSize());
            call("getsockname", GETSOCKNAME, fd, addr, len);
        }
    }

    static long sendto(int fd, MemorySegment buf, int flags, MemorySegment addr) throws ErrnoException {
        return call("sendto", SENDTO, fd, buf, buf.byteSize(), flags, addr,
                addr.equals(MemorySegment.NULL) ? 0 : (int) addr.byteSize());
    }

    static long recvmsg(int fd, MemorySegment msghdr, int flags) throws ErrnoException {
        return call("recvmsg", RECVMSG, fd, msghdr, flags);
    }

    static int poll(MemorySegment pollfds, long count, int timeoutMillis) throws ErrnoException {
        return (int) call("poll", POLL, pollfds, count, timeoutMillis);
    }

    static void close(int fd) {
        try {
            call("close", CLOSE, fd);
        } catch (ErrnoException ignored) {
            // nothing to do: the descriptor is gone either way
        }
    }

    static int open(MemorySegment path, int flags) throws ErrnoException {
        return (int) call("open", OPEN, path, flags);
    }

    static void setns(int fd, int nstype) throws ErrnoException {
        call("setns", SETNS, fd, nstype);
    }
}
