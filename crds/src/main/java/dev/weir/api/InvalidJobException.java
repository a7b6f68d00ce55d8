package dev.weir.api;

import dev.weir.api.validation.ValidationError;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A StreamJob file that cannot be run: unreadable YAML, fields the model does not know, or a spec that fails
 * validation. {@link #getMessage()} has one line per problem, each starting with the file it is in.
 */
public class InvalidJobException extends Exception {
    private final String origin;
    private final List<ValidationError> errors;

    /** Problems with fields of the job, all reported at once. */
    public InvalidJobException(String origin, List<ValidationError> errors) {
        super(errors.stream().map(error -> origin + ": " + error).collect(Collectors.joining("\n")));
        this.origin = origin;
        this.errors = List.copyOf(errors);
    }

    /** A problem with the file as a whole, such as a YAML syntax error; {@link #errors()} is empty. */
    public InvalidJobException(String origin, String problem, Throwable cause) {
        super(origin + ": " + problem, cause);
        this.origin = origin;
        this.errors = List.of();
    }

    /** Where the job came from: the file, or the origin given to {@link JobFiles#readString}. */
    public String origin() {
        return origin;
    }

    public List<ValidationError> errors() {
        return errors;
    }
}
