/** SIMULATED verify_mpsdk page (`/verify_mpsdk/index/index`): hosts `indexCom`. */
Page({
  data: { options: {} as Record<string, string | undefined> },
  onLoad(query: Record<string, string | undefined>) {
    this.setData({ options: query })
  },
})
