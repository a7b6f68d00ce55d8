package dev.weir.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.weir.api.validation.SpecValidator;
import dev.weir.api.validation.ValidationError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads StreamJob YAML files strictly, as {@code kubectl apply} would judge them and more: unknown fields, wrong
 * apiVersion or kind, a missing name, values of the wrong type and everything {@link SpecValidator} finds are
 * reported together, each with its field path.
 */
public final class JobFiles {
    public static final String API_VERSION = StreamJob.GROUP + "/" + StreamJob.VERSION;
    public static final String KIND = "StreamJob";

    private JobFiles() {
    }

    public static StreamJob read(Path file) throws InvalidJobException {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (IOException e) {
            throw new InvalidJobException(file.toString(), "cannot read the file: " + e, e);
        }
        return readString(yaml, file.toString());
    }

    /** Reads a job from YAML text; {@code origin} names it in messages, e.g. the file it came from. */
    public static StreamJob readString(String yaml, String origin) throws InvalidJobException {
        JsonNode tree = tree(yaml, origin);
        List<ValidationError> errors = new ArrayList<>();
        constant(tree, "apiVersion", API_VERSION, errors);
        constant(tree, "kind", KIND, errors);

        StreamJob job = bind(yaml, origin, errors);
        if (job.getMetadata() != null) {
            job.getMetadata().getAdditionalProperties().keySet().forEach(key ->
                    errors.add(new ValidationError("metadata." + key, "unknown field: metadata has name, namespace,"
                            + " labels, annotations and the other fields of Kubernetes object metadata")));
        }
        errors.addAll(SpecValidator.validate(job));
        if (!errors.isEmpty()) {
            throw new InvalidJobException(origin, errors);
        }
        return job;
    }

    private static JsonNode tree(String yaml, String origin) throws InvalidJobException {
        JsonNode tree;
        ObjectMapper mapper = strictMapper(new ArrayList<>());
        try (JsonParser parser = mapper.createParser(yaml)) {
            tree = mapper.readTree(parser);
            if (parser.nextToken() != null) {
                throw new InvalidJobException(origin, "holds more than one YAML document (the second starts at line "
                        + parser.currentTokenLocation().getLineNr() + "): put one StreamJob in each file", null);
            }
        } catch (JsonProcessingException e) {
            throw new InvalidJobException(origin, "is not valid YAML" + at(e.getLocation()) + ": "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidJobException(origin, "cannot be read: " + e, e);
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            throw new InvalidJobException(origin, "is empty: expected a StreamJob (apiVersion: " + API_VERSION
                    + ", kind: " + KIND + ", metadata.name, spec)", null);
        }
        if (!tree.isObject()) {
            throw new InvalidJobException(origin, "is not a YAML mapping: expected a StreamJob (apiVersion: "
                    + API_VERSION + ", kind: " + KIND + ", metadata.name, spec)", null);
        }
        return tree;
    }

    private static void constant(JsonNode tree, String field, String expected, List<ValidationError> errors) {
        JsonNode value = tree.get(field);
        if (value == null || value.isNull()) {
            errors.add(new ValidationError(field, "is required: write " + field + ": " + expected));
        } else if (!expected.equals(value.asText())) {
            errors.add(new ValidationError(field, "must be " + expected + ", got \"" + value.asText() + "\""));
        }
    }

    private static StreamJob bind(String yaml, String origin, List<ValidationError> errors) throws InvalidJobException {
        ObjectMapper mapper = strictMapper(errors);
        try (JsonParser parser = mapper.createParser(yaml)) {
            try {
                return mapper.readValue(parser, StreamJob.class);
            } catch (MismatchedInputException e) {
                String value = scalar(parser);
                errors.add(new ValidationError(path(e.getPath()),
                        (value == null ? "cannot be read" : value + " is not allowed") + at(e.getLocation())
                                + ": expected " + typeName(e.getTargetType())));
                throw new InvalidJobException(origin, errors);
            } catch (JsonMappingException e) {
                errors.add(new ValidationError(path(e.getPath()), "cannot be read" + at(e.getLocation()) + ": "
                        + e.getOriginalMessage()));
                throw new InvalidJobException(origin, errors);
            }
        } catch (JsonProcessingException e) {
            throw new InvalidJobException(origin, "is not valid YAML" + at(e.getLocation()) + ": "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidJobException(origin, "cannot be read: " + e, e);
        }
    }

    /** Unknown fields and unreadable values are collected and skipped, so that all of them are reported at once. */
    private static ObjectMapper strictMapper(List<ValidationError> errors) {
        return YAMLMapper.builder(new YAMLFactory())
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .addHandler(new CollectingProblemHandler(errors))
                .build();
    }

    private static final class CollectingProblemHandler extends DeserializationProblemHandler {
        private final List<ValidationError> errors;

        CollectingProblemHandler(List<ValidationError> errors) {
            this.errors = errors;
        }

        @Override
        public boolean handleUnknownProperty(DeserializationContext context, JsonParser parser,
                JsonDeserializer<?> deserializer, Object beanOrClass, String propertyName) throws IOException {
            Collection<Object> known = deserializer.getKnownPropertyNames();
            // at an object or list value the parser has already entered it; the field is named in the context above
            boolean container = parser.currentToken() != null && parser.currentToken().isStructStart();
            JsonStreamContext field = container ? parser.getParsingContext().getParent() : parser.getParsingContext();
            errors.add(new ValidationError(path(field), "unknown field"
                    + (container ? "" : at(parser.currentTokenLocation()))
                    + (known == null || known.isEmpty() ? "" : "; known fields there: "
                    + known.stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")))));
            parser.skipChildren();
            return true;
        }

        @Override
        public Object handleWeirdStringValue(DeserializationContext context, Class<?> targetType, String value,
                String failureMessage) {
            JsonParser parser = context.getParser();
            String allowed = targetType.isEnum()
                    ? ": use one of " + Arrays.stream(targetType.getEnumConstants()).map(String::valueOf)
                    .collect(Collectors.joining(", "))
                    : ": expected " + typeName(targetType);
            errors.add(new ValidationError(path(parser.getParsingContext()), "\"" + value + "\" is not allowed"
                    + at(parser.currentTokenLocation()) + allowed));
            return null;
        }

        @Override
        public Object handleWeirdNumberValue(DeserializationContext context, Class<?> targetType, Number value,
                String failureMessage) {
            JsonParser parser = context.getParser();
            errors.add(new ValidationError(path(parser.getParsingContext()), value + " is not allowed"
                    + at(parser.currentTokenLocation()) + ": expected " + typeName(targetType)));
            return null;
        }
    }

    /** The scalar the parser stopped at as YAML shows it, strings quoted; null at anything else. */
    private static String scalar(JsonParser parser) {
        if (parser.currentToken() != null && parser.currentToken().isScalarValue()) {
            try {
                return parser.currentToken() == JsonToken.VALUE_STRING ? "\"" + parser.getText() + "\"" : parser.getText();
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    private static String typeName(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type != null && List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "a mapping (field: value)";
    }

    private static String path(JsonStreamContext context) {
        if (context == null || context.inRoot()) {
            return "";
        }
        String parent = path(context.getParent());
        if (context.inArray()) {
            return parent + "[" + Math.max(context.getCurrentIndex(), 0) + "]";
        }
        return parent.isEmpty() ? context.getCurrentName() : parent + "." + context.getCurrentName();
    }

    private static String path(List<JsonMappingException.Reference> references) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : references) {
            if (reference.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "(document)" : path.toString();
    }

    private static String at(JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? "" : " (line " + location.getLineNr() + ")";
    }
}
