package dev.weir.charts;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

class HelmLintTest {

    @Test
    void helmLintStrictFindsNothing() {
        LintResult result = new Helm(WeirChart.DIR).lint().strict().call();

        assertFalse(result.isFailed(), String.join("\n", result.getMessages()));
    }
}
