package dev.spoa.examples.haproxy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** HTTP requests through HAProxy's test frontend, and the {@code Ip_score} header (the agent's verdict) of each answer. */
public final class IpScores {

  private IpScores() {
  }

  /**
   * Null when a response of the test frontend carries the agent's verdict, else what went wrong:
   * {@code http <status>}, {@code spoe error <code>} ({@code Spoe_error}, see
   * {@link HaproxyProcess#withSpoeErrorHeader}) or {@code spoe error ?} (no Ip_score). Spoe_error comes
   * first: Ip_score is a session variable, so a keep-alive connection still carries the score of an
   * earlier request when this one's NOTIFY failed.
   */
  public static String failure(HttpResponse<?> r) {
    return r.statusCode() != 200 ? "http " + r.statusCode()
      : r.headers().firstValue("Spoe_error").map(e -> "spoe error " + e)
        .orElse(r.headers().firstValue("Ip_score").isPresent() ? null : "spoe error ?");
  }

  /**
   * {@code total} GET requests to 127.0.0.1:{@code webPort} from {@code threads} keep-alive
   * clients; each must answer 200. Returns the Ip_score headers, empty where HAProxy set none.
   */
  public static List<Optional<String>> fetch(int webPort, int threads, int total) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + "/"))
      .timeout(Duration.ofSeconds(10)).build();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<Optional<String>>>> parts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int n = total / threads + (t < total % threads ? 1 : 0);
        parts.add(pool.submit(() -> {
          List<Optional<String>> scores = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
              throw new AssertionError("HTTP " + r.statusCode() + ": " + r.body());
            }
            scores.add(r.headers().firstValue("Ip_score"));
          }
          return scores;
        }));
      }
      List<Optional<String>> all = new ArrayList<>();
      for (Future<List<Optional<String>>> part : parts) {
        all.addAll(part.get());
      }
      return all;
    } finally {
      pool.shutdownNow();
    }
  }
}
