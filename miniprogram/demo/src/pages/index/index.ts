Page({
  goFace() {
    wx.navigateTo({ url: '/pages/face/index' })
  },
  goEid() {
    wx.navigateTo({ url: '/pages/eid/index' })
  },
  goMegvii() {
    wx.navigateTo({ url: '/pages/megvii/index' })
  },
})
