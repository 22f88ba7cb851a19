package dev.vantage.measure.net.sys;

import java.io.IOException;

/** A failed system call: which call, and the errno it set (errno(3) values of Linux). */
public final class ErrnoException extends IOException {
    public static final int EPERM = 1, EACCES = 13, EMSGSIZE = 90, ECONNREFUSED = 111, EHOSTUNREACH = 113,
            ENETUNREACH = 101, EINPROGRESS = 115;

    private final int errno;

    public ErrnoException(String call, int errno, String message) {
        super(call + ": " + message + " (errno " + errno + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    /** The process lacks the privilege (CAP_NET_RAW, or the ping group range) for what it asked. */
    public boolean isPermissionDenied() {
        return errno == EPERM || errno == EACCES;
    }
}
