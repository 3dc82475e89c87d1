// Warehouse: a small Java workload for Firesight's JFR sample profile.
//
// Pickers (threads "picker-N") take orders from a queue (ThreadPark), price
// them under a shared lock (JavaMonitorEnter), build a packing slip with
// String.format and a StringBuilder (CPU and allocation), checksum it, write
// it to a ledger file (FileWrite) and every tenth order read a catalogue
// page back (FileRead). A "stock-server" thread answers stock queries on a
// loopback socket (SocketRead/SocketWrite); an "auditor" waits on a monitor
// (JavaMonitorWait). Usage: java Warehouse SECONDS PICKERS DIR [HEAVY]
// (HEAVY=1 drops the per-order pauses: the benchmark's long, dense run).
import java.io.*;
import java.net.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.locks.LockSupport;

public class Warehouse {
    static final Object PRICE_LOCK = new Object();
    static final Object AUDIT = new Object();
    static volatile boolean running = true;
    static long priceTable = 17;

    record Order(int id, String sku, int qty) {}

    static long price(Order o) {
        synchronized (PRICE_LOCK) {
            long p = priceTable;
            for (int i = 0; i < 2000 + o.qty() * 50; i++) {
                p = p * 31 + (i ^ o.id());
            }
            priceTable = p & 0xffff;
            return p;
        }
    }

    static String packingSlip(Order o, long price) {
        StringBuilder sb = new StringBuilder();
        for (int line = 0; line < 8 + o.qty() % 5; line++) {
            sb.append(String.format("%05d %-12s x%3d @ %8d%n", o.id(), o.sku(), o.qty(), price + line));
        }
        return sb.toString();
    }

    static long checksum(String s) {
        long h = 1125899906842597L;
        for (int r = 0; r < 4; r++) {
            for (int i = 0; i < s.length(); i++) {
                h = 31 * h + s.charAt(i);
            }
        }
        return h;
    }

    static int queryStock(DataOutputStream out, DataInputStream in, String sku) throws IOException {
        out.writeUTF(sku);
        out.flush();
        return in.readInt();
    }

    public static void main(String[] args) throws Exception {
        double seconds = Double.parseDouble(args[0]);
        int pickers = Integer.parseInt(args[1]);
        File dir = new File(args[2]);
        boolean heavy = args.length > 3 && args[3].equals("1");
        dir.mkdirs();
        BlockingQueue<Order> orders = new ArrayBlockingQueue<>(64);
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread stock = new Thread(() -> serveStock(server), "stock-server");
        stock.setDaemon(true);
        stock.start();
        Thread auditor = new Thread(Warehouse::audit, "auditor");
        auditor.setDaemon(true);
        auditor.start();
        List<Thread> threads = new ArrayList<>();
        for (int p = 1; p <= pickers; p++) {
            File ledger = new File(dir, "ledger-" + p + ".txt");
            Thread t = new Thread(() -> pick(orders, server.getLocalPort(), ledger, heavy), "picker-" + p);
            t.start();
            threads.add(t);
        }
        long end = System.nanoTime() + (long) (seconds * 1e9);
        Random rnd = new Random(42);
        String[] skus = {"bolt-m6", "nut-m6", "washer-8", "hinge-brass", "castor-50", "shelf-pine"};
        for (int id = 0; System.nanoTime() < end; id++) {
            orders.put(new Order(id, skus[rnd.nextInt(skus.length)], 1 + rnd.nextInt(40)));
            if (!heavy && id % 4 == 0) {
                Thread.sleep(1);
            }
        }
        running = false;
        for (Thread t : threads) {
            t.interrupt();
            t.join();
        }
    }

    static void pick(BlockingQueue<Order> orders, int port, File ledger, boolean heavy) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
             DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
             RandomAccessFile file = new RandomAccessFile(ledger, "rw")) {
            while (running) {
                Order o = orders.poll(50, TimeUnit.MILLISECONDS);
                if (o == null) {
                    continue;
                }
                long p = price(o);
                String slip = packingSlip(o, p);
                long sum = checksum(slip);
                int stock = queryStock(out, in, o.sku());
                file.write((slip + sum + " " + stock + "\n").getBytes());
                if (o.id() % 10 == 0) {
                    byte[] page = new byte[4096];
                    file.seek(0);
                    file.read(page);
                    file.seek(file.length());
                }
                if (o.id() % 25 == 0) {
                    synchronized (AUDIT) {
                        AUDIT.notifyAll();
                    }
                }
                if (heavy) {
                    LockSupport.parkNanos(1000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void serveStock(ServerSocket server) {
        try {
            while (true) {
                Socket c = server.accept();
                Thread t = new Thread(() -> answer(c), "stock-conn");
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException e) {
            // Server closed at exit.
        }
    }

    static void answer(Socket c) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(c.getInputStream()));
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(c.getOutputStream()))) {
            Map<String, Integer> stock = new HashMap<>();
            while (true) {
                String sku = in.readUTF();
                int left = stock.merge(sku, -1, Integer::sum) + 1000;
                out.writeInt(left);
                out.flush();
            }
        } catch (IOException e) {
            // Client gone.
        }
    }

    static void audit() {
        long seen = 0;
        while (true) {
            synchronized (AUDIT) {
                try {
                    AUDIT.wait(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
            seen++;
        }
    }
}
