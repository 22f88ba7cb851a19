package dev.vantage.model.catalogue;

/** A test request the catalogue refuses; the message is the v6 {@code errorMessage} and names the field. */
public class InvalidTestException extends Exception {
    public InvalidTestException(String message) {
        super(message);
    }
}
