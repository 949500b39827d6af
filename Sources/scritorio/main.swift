import ScritorioServer
import ScritorioStore
print("hi")
