package dev.weir.operator.autoscaler.sim;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A PNG of lag (top) and pods (bottom) over time, one line per policy, and events marked as labelled vertical lines;
 * drawn headless with Java2D.
 */
public final class Plot {
    private static final int WIDTH = 1200;
    private static final int PANEL = 300;
    private static final int MARGIN = 60;
    private static final List<Color> COLORS = List.of(new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c));

    private Plot() {
    }

    /** An event at a second of the run, drawn as a vertical line across both panels with its label. */
    public record Mark(int second, String label) {
    }

    static void write(Path file, String title, List<Run> runs, int maxLagSeconds) throws IOException {
        write(file, title, "lag (s, age of the oldest unprocessed record)", runs, maxLagSeconds, List.of());
    }

    public static void write(Path file, String title, String lagLabel, List<Run> runs, int maxLagSeconds,
                             List<Mark> marks) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, 2 * PANEL + 3 * MARGIN, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.setColor(Color.BLACK);
        g.drawString(title, MARGIN, 20);
        for (int i = 0; i < runs.size(); i++) {
            g.setColor(COLORS.get(i));
            g.drawString(runs.get(i).policy, WIDTH - 330 + 110 * i, 20);
        }
        int lagTop = MARGIN;
        int podsTop = 2 * MARGIN + PANEL;
        int lagScale = Math.max(2 * maxLagSeconds, runs.stream().mapToInt(Run::maxLagSeconds).max().orElse(1));
        int podScale = Math.max(1, runs.stream().mapToInt(r -> max(r.replicas)).max().orElse(1));
        axes(g, lagTop, lagLabel, lagScale);
        axes(g, podsTop, "pods asked for", podScale);
        int seconds = runs.get(0).replicas.length;
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(1, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
        int targetY = y(lagTop, maxLagSeconds, lagScale);
        g.drawLine(MARGIN, targetY, WIDTH - MARGIN, targetY);
        g.drawString("target " + maxLagSeconds + "s", WIDTH - MARGIN - 70, targetY - 4);
        marks(g, marks, seconds, lagTop, podsTop + PANEL);
        for (int i = runs.size() - 1; i >= 0; i--) {
            g.setColor(COLORS.get(i));
            g.setStroke(new BasicStroke(1.5f));
            line(g, runs.get(i).lagSeconds, seconds, lagTop, lagScale);
            line(g, runs.get(i).replicas, seconds, podsTop, podScale);
        }
        g.setColor(Color.BLACK);
        g.drawString("0", MARGIN, podsTop + PANEL + 15);
        String end = seconds >= 3600 ? String.format("%.1f h", seconds / 3600.0)
                : String.format("%d min %d s", seconds / 60, seconds % 60);
        g.drawString(end, WIDTH - MARGIN - g.getFontMetrics().stringWidth(end), podsTop + PANEL + 15);
        g.dispose();
        Files.createDirectories(file.getParent());
        ImageIO.write(image, "png", file.toFile());
    }

    /** Labels stagger over four rows so that marks close together stay readable. */
    private static void marks(Graphics2D g, List<Mark> marks, int seconds, int top, int bottom) {
        g.setStroke(new BasicStroke(1));
        Font font = g.getFont();
        g.setFont(font.deriveFont(10f));
        for (int i = 0; i < marks.size(); i++) {
            Mark mark = marks.get(i);
            int x = MARGIN + (int) ((long) mark.second() * (WIDTH - 2 * MARGIN) / Math.max(1, seconds));
            g.setColor(new Color(0xd62728));
            g.drawLine(x, top, x, bottom);
            g.drawString(mark.label(), x + 2, top + 12 + 11 * (i % 4));
        }
        g.setFont(font);
    }

    private static void axes(Graphics2D g, int top, String label, int scale) {
        g.setColor(Color.LIGHT_GRAY);
        g.drawRect(MARGIN, top, WIDTH - 2 * MARGIN, PANEL);
        g.setColor(Color.BLACK);
        g.drawString(label, MARGIN, top - 6);
        g.drawString(String.valueOf(scale), 8, top + 10);
        g.drawString("0", 8, top + PANEL);
    }

    /** One point per pixel column: the highest value of the seconds it covers, so no peak is lost. */
    private static void line(Graphics2D g, int[] values, int seconds, int top, int scale) {
        int columns = WIDTH - 2 * MARGIN;
        int previousX = -1;
        int previousY = -1;
        for (int x = 0; x < columns; x++) {
            int from = (int) ((long) x * seconds / columns);
            int to = Math.max(from + 1, (int) ((long) (x + 1) * seconds / columns));
            int value = 0;
            for (int s = from; s < to && s < seconds; s++) {
                value = Math.max(value, values[s]);
            }
            int px = MARGIN + x;
            int py = y(top, value, scale);
            if (previousX >= 0) {
                g.drawLine(previousX, previousY, px, py);
            }
            previousX = px;
            previousY = py;
        }
    }

    private static int y(int top, int value, int scale) {
        return top + PANEL - (int) Math.round((double) Math.min(value, scale) / scale * PANEL);
    }

    private static int max(int[] values) {
        int max = 0;
        for (int v : values) {
            max = Math.max(max, v);
        }
        return max;
    }

}
