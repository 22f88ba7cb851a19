package dev.vantage.agent;

import dev.vantage.model.agent.AgentProtocol.Task;

/** Hooks into a task's life on the agent, for benchmarks and embedding; called on the task's own thread. */
public interface TaskObserver {
    TaskObserver NONE = new TaskObserver() {};

    /** The engine is about to run the task. */
    default void started(Task task) {}

    /** The engine finished; the result is about to be uploaded. */
    default void uploading(Task task) {}
}
