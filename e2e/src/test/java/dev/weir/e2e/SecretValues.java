package dev.weir.e2e;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Secret values and the forms in which one could leak: as written, and base64-encoded — on its own, as a Secret's
 * {@code data} holds it, or inside a longer encoded text, where the value starts at any of the three byte offsets of a
 * base64 group; for each offset, the characters that depend on the value's bytes alone.
 */
final class SecretValues {
    private final Map<String, String> valuesByName = new LinkedHashMap<>();

    /** {@code name} says where the value comes from (a Secret and its key), for the failure message. */
    SecretValues add(String name, String value) {
        valuesByName.put(name, value);
        return this;
    }

    /** Each place whose text holds one of the values in one of its forms: "{@code <value name> (<form>) in <place>}". */
    List<String> foundIn(Map<String, String> textsByPlace) {
        List<String> found = new ArrayList<>();
        textsByPlace.forEach((place, text) -> valuesByName.forEach((name, value) -> forms(value)
                .forEach((form, encoded) -> {
                    if (text != null && text.contains(encoded)) {
                        found.add(name + " (" + form + ") in " + place);
                    }
                })));
        return found;
    }

    /** The value and its base64 forms, by name. */
    static Map<String, String> forms(String value) {
        Map<String, String> forms = new LinkedHashMap<>();
        forms.put("as is", value);
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        for (int offset = 0; offset < 3; offset++) {
            byte[] shifted = new byte[offset + bytes.length];
            System.arraycopy(bytes, 0, shifted, offset, bytes.length);
            String encoded = Base64.getEncoder().withoutPadding().encodeToString(shifted);
            // a character encodes 6 bits: keep those whose bits all come from the value
            int first = (offset * 8 + 5) / 6;
            int end = (shifted.length * 8) / 6;
            forms.put("base64 at byte offset " + offset, encoded.substring(first, end));
        }
        return forms;
    }
}
