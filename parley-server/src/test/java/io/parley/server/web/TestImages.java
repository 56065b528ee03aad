package io.parley.server.web;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import javax.imageio.ImageIO;

/** Real PNG files for upload tests (a sunset gradient with noise, so it compresses badly). */
final class TestImages {
  private TestImages() {}

  static byte[] noisyPng(int width, int height) throws IOException {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setPaint(new GradientPaint(0, 0, new Color(255, 140, 60), 0, height, new Color(90, 40, 140)));
    g.fillRect(0, 0, width, height);
    g.setColor(new Color(255, 220, 120));
    g.fillOval(width / 2 - 50, height / 2 - 20, 100, 100);
    g.dispose();
    Random r = new Random(42);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int rgb = img.getRGB(x, y);
        int n = r.nextInt(48) - 24;
        int red = clamp(((rgb >> 16) & 0xff) + n);
        int green = clamp(((rgb >> 8) & 0xff) + n);
        int blue = clamp((rgb & 0xff) + n);
        img.setRGB(x, y, (red << 16) | (green << 8) | blue);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }
}
