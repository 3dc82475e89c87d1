import time, threading
def leaf(n):
    s=0
    for i in range(n): s+=i*i
    return s
def middle(k):
    t=0
    for _ in range(k): t+=leaf(20000)
    return t
def sleeper(): time.sleep(0.5)
def worker():
    end=time.time()+3
    while time.time()<end: middle(5)
def main():
    th=threading.Thread(target=worker, name="worker-thread"); th.start()
    end=time.time()+3
    while time.time()<end:
        middle(10); sleeper()
    th.join()
main()
