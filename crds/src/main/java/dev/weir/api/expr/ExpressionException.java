package dev.weir.api.expr;

/** A CEL expression that does not compile, or that fails on a record; the message is meant for the user. */
public class ExpressionException extends Exception {
    public ExpressionException(String message) {
        super(message);
    }

    public ExpressionException(String message, Throwable cause) {
        super(message, cause);
    }
}
