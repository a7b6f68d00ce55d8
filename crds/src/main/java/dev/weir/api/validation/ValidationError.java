package dev.weir.api.validation;

/**
 * One problem with a StreamJob spec.
 *
 * @param field   the path of the field, as a user finds it in the YAML: {@code spec.pipeline[1].window.hopping.advance}
 * @param message what is wrong and how to fix it
 */
public record ValidationError(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
