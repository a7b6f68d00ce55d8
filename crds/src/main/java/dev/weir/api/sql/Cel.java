package dev.weir.api.sql;

/**
 * A CEL expression as text with the precedence of its outermost operator, so that the writer parenthesizes an
 * operand only where CEL would group it otherwise.
 */
record Cel(String text, int precedence) {
    static final int TERNARY = 1;
    static final int OR = 2;
    static final int AND = 3;
    static final int RELATION = 4;
    static final int SUM = 5;
    static final int PRODUCT = 6;
    static final int UNARY = 7;
    static final int PRIMARY = 8;

    static Cel primary(String text) {
        return new Cel(text, PRIMARY);
    }

    /** The text, in parentheses when it binds less tightly than {@code atLeast}. */
    String at(int atLeast) {
        return precedence >= atLeast ? text : "(" + text + ")";
    }

    /** A CEL string literal holding {@code value}. */
    static Cel string(String value) {
        StringBuilder out = new StringBuilder("'");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\'' -> out.append("\\'");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return primary(out.append('\'').toString());
    }
}
