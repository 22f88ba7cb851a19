package dev.vantage.server.dispatch;

import java.util.Collection;

/** Wakes the long-polls of agents that have new tasks (in-process; other replicas learn it from the store). */
public interface TaskSignals {
    void tasksQueued(Collection<Integer> agentIds);
}
