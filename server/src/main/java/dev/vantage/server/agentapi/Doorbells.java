package dev.vantage.server.agentapi;

import dev.vantage.server.dispatch.TaskSignals;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One doorbell per agent: {@link #tasksQueued} rings it, a waiting long-poll wakes at once. A poll reads the ring
 * count before it looks in the store and waits only while the count is unchanged, so a ring between the store
 * check and the wait is never lost.
 */
final class Doorbells implements TaskSignals {

    static final class Bell {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition rung = lock.newCondition();
        private long rings;
        private long goodbyes;
        /** Said goodbye and not hello since: a poll that arrives now (it raced the goodbye) takes nothing. */
        private boolean gone;

        long rings() {
            lock.lock();
            try {
                return rings;
            } finally {
                lock.unlock();
            }
        }

        long goodbyes() {
            lock.lock();
            try {
                return goodbyes;
            } finally {
                lock.unlock();
            }
        }

        boolean gone() {
            lock.lock();
            try {
                return gone;
            } finally {
                lock.unlock();
            }
        }

        /** The agent said hello: its polls take tasks again. */
        void welcome() {
            lock.lock();
            try {
                gone = false;
            } finally {
                lock.unlock();
            }
        }

        /** The agent is leaving: polls it left behind, or sends before its next hello, end without taking tasks. */
        void goodbye() {
            lock.lock();
            try {
                gone = true;
                goodbyes++;
                rings++;
                rung.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void ring() {
            lock.lock();
            try {
                rings++;
                rung.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Waits until the bell rings after {@code seen} or {@code nanos} pass. */
        void await(long seen, long nanos) throws InterruptedException {
            lock.lock();
            try {
                while (rings == seen && nanos > 0) {
                    nanos = rung.awaitNanos(nanos);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private final ConcurrentHashMap<Integer, Bell> bells = new ConcurrentHashMap<>();

    Bell bell(int agentId) {
        return bells.computeIfAbsent(agentId, id -> new Bell());
    }

    @Override
    public void tasksQueued(Collection<Integer> agentIds) {
        for (Integer id : agentIds) {
            Bell bell = bells.get(id);
            if (bell != null) bell.ring();
        }
    }

    /** Releases every waiting poll (shutdown). */
    void ringAll() {
        bells.values().forEach(Bell::ring);
    }
}
